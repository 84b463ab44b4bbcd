import { readFileSync } from 'node:fs';
import { parseEnv } from 'node:util';
import { join } from 'node:path';
import { DEFAULT_LOCAL_REDIS_DIR } from '../service/local-redis-server';
import { defaultOptions } from './default-options';
import { KNOWN_VARIABLES } from './environment';
import { delayTaskOptionsFromEnv } from './options-from-environment';
import { validateDelayTaskEnvironment } from './validate-environment';

const EXAMPLE = parseEnv(readFileSync(join(__dirname, '..', '..', '.env.example'), 'utf8'));

describe('.env.example', () => {
  it('lists every variable the service reads, and nothing else', () => {
    expect(Object.keys(EXAMPLE).sort()).toEqual([...KNOWN_VARIABLES].sort());
  });

  it('sets each engine variable to its default, or leaves it empty', () => {
    expect(delayTaskOptionsFromEnv(EXAMPLE)).toEqual({
      ...defaultOptions(),
      instanceId: expect.any(String) as unknown,
    });
  });

  it("sets the service's own variables to their defaults, or leaves them empty", () => {
    const environment = validateDelayTaskEnvironment(EXAMPLE);
    expect(environment.DELAYTASK_LOCAL_REDIS_DIR).toBe(DEFAULT_LOCAL_REDIS_DIR);
    expect(environment.DELAYTASK_HTTP_PORT).toBeUndefined();
  });
});
