import { readFileSync } from 'node:fs';
import type { LoggerService } from '@nestjs/common';
import type { CliIo } from './output';

/** The process's own streams and files. */
export function processIo(): CliIo {
  return {
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
    readFile: (path) => readFileSync(path, 'utf8'),
    readStdin: async () => {
      const chunks: Buffer[] = [];
      for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
      return Buffer.concat(chunks).toString('utf8');
    },
  };
}

/**
 * Nest's logger for the engine's code the CLI runs (the settings' checks warn through it): to
 * stderr, so that stdout holds only results (Nest's own logger writes warnings to stdout).
 */
export function stderrLogger(io: CliIo): LoggerService {
  const line =
    (label: string) =>
    (message: unknown): void =>
      io.stderr(`delaytask: ${label}${String(message)}\n`);
  return { log: line(''), warn: line('warning: '), error: line('error: ') };
}
