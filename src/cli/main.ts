#!/usr/bin/env node
import { existsSync } from 'node:fs';
import { Logger } from '@nestjs/common';
import { printable } from '../logging/printable';
import { reasonOf } from './cli-error';
import { processIo, stderrLogger } from './process-io';
import { runCli } from './run-cli';

const ENV_FILE = '.env';

/** `npx delaytask <command>`: see `delaytask --help`. */
async function main(): Promise<number> {
  const io = processIo();
  Logger.overrideLogger(stderrLogger(io));
  // As the service does: a .env file of the working directory, a variable already set winning.
  if (existsSync(ENV_FILE)) process.loadEnvFile(ENV_FILE);
  return runCli(process.argv.slice(2), { env: process.env, io });
}

main().then(
  (code) => (process.exitCode = code),
  (error: unknown) => {
    console.error(`delaytask: ${printable(reasonOf(error))}`);
    process.exitCode = 1;
  },
);
