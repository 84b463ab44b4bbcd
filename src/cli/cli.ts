import type { CliIo } from './output';

/** What every command is given: the environment it reads its settings from, and its I/O. */
export interface Cli {
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly io: CliIo;
}

/** The flag every command takes. */
export interface JsonFlag {
  readonly json?: boolean;
}

export const JSON_FLAG = '--json';
export const JSON_FLAG_HELP = 'print JSON for scripts instead of a table';
