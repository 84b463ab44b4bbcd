/** Where the CLI reads and writes; the process's own streams in main.ts, captured in specs. */
export interface CliIo {
  /** Results: tables for people, JSON for scripts. Nothing else is written here. */
  stdout(text: string): void;
  /** Warnings and errors. */
  stderr(text: string): void;
  readFile(path: string): string;
  readStdin(): Promise<string>;
}

/** The command's result: JSON with `--json` (two-space indented, one trailing newline), else text. */
export function show(io: CliIo, json: boolean, value: unknown, render: () => string): void {
  io.stdout(json ? `${JSON.stringify(value, null, 2)}\n` : render());
}
