import { InvalidEnvError } from '../../config/errors/invalid-env.error';
import { PingOptions } from './ping-options';

const allowing = (list: string): PingOptions => PingOptions.fromEnv({ DELAYTASK_PING_ALLOW: list });

describe('PingOptions', () => {
  it('allows any host when DELAYTASK_PING_ALLOW is unset or empty, as the seed does', () => {
    for (const options of [PingOptions.fromEnv({}), allowing(''), allowing('  ')]) {
      expect(options.allows(new URL('http://anything.example:1234/'))).toBe(true);
    }
  });

  it('allows a hostname on any port and a host:port on that port only', () => {
    const options = allowing('example.com, 127.0.0.1:8080');
    expect(options.allows(new URL('https://example.com/'))).toBe(true);
    expect(options.allows(new URL('http://example.com:9999/x'))).toBe(true);
    expect(options.allows(new URL('http://127.0.0.1:8080/'))).toBe(true);
    expect(options.allows(new URL('http://127.0.0.1:8081/'))).toBe(false);
    expect(options.allows(new URL('http://127.0.0.1/'))).toBe(false);
    expect(options.allows(new URL('http://sub.example.com/'))).toBe(false);
    expect(options.allows(new URL('http://localhost:8080/'))).toBe(false);
  });

  it('counts a URL without a port at its scheme default port', () => {
    const options = allowing('a.example:80,b.example:443');
    expect(options.allows(new URL('http://a.example/'))).toBe(true);
    expect(options.allows(new URL('https://a.example/'))).toBe(false);
    expect(options.allows(new URL('https://b.example/'))).toBe(true);
    expect(options.allows(new URL('http://b.example/'))).toBe(false);
  });

  it('compares hosts as the URL parser writes them (case, IPv6 brackets, IPv4 forms)', () => {
    const options = allowing('EXAMPLE.com,[::1]:8080,127.1');
    expect(options.allows(new URL('http://example.COM/'))).toBe(true);
    expect(options.allows(new URL('http://[0:0::1]:8080/'))).toBe(true);
    expect(options.allows(new URL('http://127.0.0.1:5/'))).toBe(true);
  });

  it.each([
    'http://example.com',
    'example.com/path',
    'user@example.com',
    'example.com:0',
    'example.com:65536',
    'example.com:port',
    'exa mple.com',
    'example.com,',
    ',',
  ])('refuses %j, naming the variable', (list) => {
    expect(() => allowing(list)).toThrow(InvalidEnvError);
    expect(() => allowing(list)).toThrow(
      /^DELAYTASK_PING_ALLOW=.* is invalid: DELAYTASK_PING_ALLOW accepts comma-separated hostnames/,
    );
  });
});
