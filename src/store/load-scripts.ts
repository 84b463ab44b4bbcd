import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Cluster, Redis } from 'ioredis';
import { ScriptLoadError } from './errors';
import { codesInclude } from './script-codes';

/** Every script the store calls; each lives in `lua/<name>-<numberOfKeys>.lua`. */
export const STORE_SCRIPTS = [
  'acceptTasks',
  'claimDue',
  'startRuns',
  'renewLeases',
  'completeRuns',
  'reclaimExpired',
  'releaseClaims',
  'pruneFinished',
  'keepDeadLetter',
  'cancelTask',
  'requeueTask',
  'inspectTask',
] as const;

export type StoreScript = (typeof STORE_SCRIPTS)[number];

/** Folder of the scripts: beside this file, in src under ts-jest and in dist after `nest build`. */
export const SCRIPTS_FOLDER = join(__dirname, 'lua');

const FILE_NAME = /^([A-Za-z]+)-(\d+)\.lua$/;
const INCLUDE = /^-- @include (\w+)$/gm;

/**
 * A script's text with each `-- @include name` line replaced by `includes/<name>.lua` (pieces
 * several scripts share: the clock, the lease format, how a claim is made), and `codes` by the
 * status codes of `script-codes.ts`. An include may include others; each goes in once, at its
 * first mention, so a piece comes before what uses it.
 */
export function expandIncludes(
  lua: string,
  folder: string = SCRIPTS_FOLDER,
  included: Set<string> = new Set(),
): string {
  return lua.replace(INCLUDE, (_line, name: string) => {
    if (included.has(name)) return '';
    included.add(name);
    if (name === 'codes') return codesInclude();
    const piece = readFileSync(join(folder, 'includes', `${name}.lua`), 'utf8');
    return expandIncludes(piece, folder, included);
  });
}

/**
 * Defines every `<name>-<numberOfKeys>.lua` in `folder` as a custom command on `redis`
 * (ioredis then sends EVALSHA and falls back to EVAL on NOSCRIPT by itself).
 */
export function loadScripts(redis: Redis | Cluster, folder: string = SCRIPTS_FOLDER): void {
  const found = new Set<string>();
  try {
    for (const file of readdirSync(folder)) {
      const match = FILE_NAME.exec(file);
      if (!match) continue;
      const [, name, keys] = match;
      const lua = expandIncludes(readFileSync(join(folder, file), 'utf8'), folder);
      redis.defineCommand(name, { numberOfKeys: Number(keys), lua });
      found.add(name);
    }
  } catch (error) {
    throw new ScriptLoadError(folder, STORE_SCRIPTS, error);
  }
  const missing = STORE_SCRIPTS.filter((name) => !found.has(name));
  if (missing.length > 0) throw new ScriptLoadError(folder, missing);
}
