import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CliError, ExitCode } from './cli-error';
import type { CliIo } from './output';
import { processIo } from './process-io';
import { readTaskText } from './task-input';

const dir = mkdtempSync(join(tmpdir(), 'delaytask-cli-input-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The process's file reading, with standard input given. */
function io(stdin = ''): CliIo {
  return { ...processIo(), readStdin: () => Promise.resolve(stdin) };
}

describe('readTaskText', () => {
  it('takes JSON text as given', async () => {
    const text = ' {"Name":"T","ToRunAfter":"1"} ';
    await expect(readTaskText(text, io())).resolves.toBe(text);
  });

  it('reads @file exactly, its trailing newline included (an ID-less task is named by its text)', async () => {
    const file = join(dir, 'task.json');
    writeFileSync(file, '{"Name":"T","ToRunAfter":"1","Note":"é"}\n');
    await expect(readTaskText(`@${file}`, io())).resolves.toBe(
      '{"Name":"T","ToRunAfter":"1","Note":"é"}\n',
    );
  });

  it('reads @- from standard input', async () => {
    await expect(readTaskText('@-', io('{"Name":"T"}'))).resolves.toBe('{"Name":"T"}');
  });

  it.each([
    ['@', 'give a file after @'],
    [`@${join(dir, 'missing.json')}`, 'cannot read the task: ENOENT'],
  ])('refuses %s as invalid input (exit 1)', async (argument, reason) => {
    const error: unknown = await readTaskText(argument, io()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CliError);
    expect((error as CliError).exitCode).toBe(ExitCode.invalid);
    expect((error as CliError).message).toContain(reason);
  });
});
