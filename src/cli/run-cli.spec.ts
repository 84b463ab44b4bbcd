import { ExitCode } from './cli-error';
import type { CliIo } from './output';
import { runCli } from './run-cli';

/** A run of the CLI with captured output. None of these reaches Redis: each fails or ends before. */
async function run(
  args: string[],
  env: Record<string, string> = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const io: CliIo = {
    stdout: (text) => (stdout += text),
    stderr: (text) => (stderr += text),
    readFile: () => {
      throw Object.assign(new Error('ENOENT: no such file or directory'), { code: 'ENOENT' });
    },
    readStdin: () => Promise.resolve(''),
  };
  // A port nothing listens on: a command that did connect would exit 4, not what is expected here.
  const code = await runCli(args, { env: { REDIS_URL: 'redis://127.0.0.1:1', ...env }, io });
  return { code, stdout, stderr };
}

const COMMANDS = ['schedule', 'get', 'cancel', 'list', 'requeue', 'stats', 'dead'];

describe('runCli without Redis', () => {
  it('--help lists every command, the settings and the exit codes on stdout, and exits 0', async () => {
    const { code, stdout, stderr } = await run(['--help']);
    expect(code).toBe(ExitCode.ok);
    expect(stderr).toBe('');
    for (const command of COMMANDS) expect(stdout).toMatch(new RegExp(`^  ${command} `, 'm'));
    expect(stdout).toContain('REDIS_URL');
    expect(stdout).toMatch(/^ {2}4 {2}Redis is unreachable/m);
  });

  it.each(COMMANDS)(
    '%s --help explains the command and its --json, and exits 0',
    async (command) => {
      const { code, stdout } = await run([command, '--help']);
      expect(code).toBe(ExitCode.ok);
      expect(stdout).toContain(`Usage: delaytask ${command}`);
      expect(stdout).toContain('--json');
    },
  );

  it('with no command, shows the help on stderr and exits 1', async () => {
    const { code, stdout, stderr } = await run([]);
    expect(code).toBe(ExitCode.invalid);
    expect(stdout).toBe('');
    expect(stderr).toContain('Usage: delaytask');
  });

  it.each([
    [['frob'], "unknown command 'frob'"],
    [['get'], "missing required argument 'id'"],
    [['list'], "required option '--state <state>' not specified"],
    [['list', '--state', 'lost'], 'Allowed choices are pending, running, failed, cancelled, done'],
    [['list', '--state', 'failed', '--limit', '0'], 'Give a whole number from 1 to 1000'],
    [['dead', '--cursor', 'x'], 'Give the cursor a previous page printed'],
    [['stats', '--verbose'], "unknown option '--verbose'"],
    [['get', '1', '2'], 'too many arguments'],
  ])('%j is a usage error: exit 1, the reason and a pointer to --help', async (args, reason) => {
    const { code, stdout, stderr } = await run(args);
    expect(code).toBe(ExitCode.invalid);
    expect(stdout).toBe('');
    expect(stderr).toContain(reason);
    expect(stderr).toContain('delaytask --help');
  });

  it('refuses a setting the service would refuse, naming it, before connecting (exit 1)', async () => {
    const { code, stderr } = await run(['stats'], { DELAYTASK_WINDOW_MS: '1' });
    expect(code).toBe(ExitCode.invalid);
    expect(stderr).toBe(
      'delaytask: DELAYTASK_WINDOW_MS="1" is invalid: DELAYTASK_WINDOW_MS accepts a whole number ' +
        'of ms from 100 to 600000 (10 min).\n',
    );
  });

  it('never shows the password of a REDIS_URL it refuses', async () => {
    const { code, stderr } = await run(['stats'], { REDIS_URL: 'http://user:hunter2@host' });
    expect(code).toBe(ExitCode.invalid);
    expect(stderr).toContain('REDIS_URL');
    expect(stderr).not.toContain('hunter2');
  });

  it('refuses a task file it cannot read before connecting (exit 1)', async () => {
    const { code, stderr } = await run(['schedule', '@task.json']);
    expect(code).toBe(ExitCode.invalid);
    expect(stderr).toBe('delaytask: cannot read the task: ENOENT: no such file or directory\n');
  });
});
