import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Cluster, Redis } from 'ioredis';
import { ScriptLoadError } from './errors';

/** Every script the task store calls; each lives in `lua/<name>-<numberOfKeys>.lua`. */
export const STORE_SCRIPTS = [
  'acceptTasks',
  'claimDue',
  'startRuns',
  'renewLeases',
  'completeRuns',
  'reclaimExpired',
  'releaseClaims',
  'pruneCompleted',
  'keepDeadLetter',
] as const;

export type StoreScript = (typeof STORE_SCRIPTS)[number];

/** Folder of the scripts: beside this file, in src under ts-jest and in dist after `nest build`. */
export const SCRIPTS_FOLDER = join(__dirname, 'lua');

const FILE_NAME = /^([A-Za-z]+)-(\d+)\.lua$/;

/**
 * Defines every `<name>-<numberOfKeys>.lua` in `folder` as a custom command on `redis`
 * (ioredis then sends EVALSHA and falls back to EVAL on NOSCRIPT by itself).
 */
export function loadScripts(redis: Redis | Cluster, folder: string = SCRIPTS_FOLDER): void {
  let files: string[];
  try {
    files = readdirSync(folder);
  } catch (error) {
    throw new ScriptLoadError(folder, STORE_SCRIPTS, error);
  }
  const found = new Set<string>();
  for (const file of files) {
    const match = FILE_NAME.exec(file);
    if (!match) continue;
    const [, name, keys] = match;
    redis.defineCommand(name, {
      numberOfKeys: Number(keys),
      lua: readFileSync(join(folder, file), 'utf8'),
    });
    found.add(name);
  }
  const missing = STORE_SCRIPTS.filter((name) => !found.has(name));
  if (missing.length > 0) throw new ScriptLoadError(folder, missing);
}
