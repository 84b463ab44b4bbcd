import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as ts from 'typescript';

export const ROOT = join(__dirname, '..', '..');
export const BUILD = join(ROOT, 'bench', '.build');
const ENGINE = join(BUILD, 'engine');
const CHILDREN_SRC = join(ROOT, 'bench', 'children');
const CHILDREN_OUT = join(BUILD, 'children');

/**
 * Compiles the engine (src/, with tsconfig.build.json, exactly what `npm run build` compiles) into
 * bench/.build/engine, so a bench run never touches the dist/ other work relies on, and the child
 * entry points into bench/.build/children with their `../../src/` imports pointed at that build.
 * The children run as plain compiled JavaScript: no ts-node in a measured process.
 */
export function buildForBench(): void {
  rmSync(ENGINE, { recursive: true, force: true });
  execFileSync(
    process.execPath,
    [
      require.resolve('typescript/bin/tsc'),
      '-p',
      'tsconfig.build.json',
      '--outDir',
      ENGINE,
      '--declaration',
      'false',
    ],
    { cwd: ROOT, stdio: 'inherit' },
  );
  cpSync(join(ROOT, 'src', 'store', 'lua'), join(ENGINE, 'store', 'lua'), { recursive: true });

  mkdirSync(CHILDREN_OUT, { recursive: true });
  for (const file of readdirSync(CHILDREN_SRC)) {
    if (!file.endsWith('.ts')) continue;
    const source = readFileSync(join(CHILDREN_SRC, file), 'utf8');
    const { outputText } = ts.transpileModule(source, {
      fileName: file,
      compilerOptions: {
        module: ts.ModuleKind.CommonJS,
        target: ts.ScriptTarget.ES2023,
        experimentalDecorators: true,
        emitDecoratorMetadata: true,
        esModuleInterop: true,
      },
    });
    const js = outputText.replace(/require\("\.\.\/\.\.\/src\//g, 'require("../engine/');
    writeFileSync(join(CHILDREN_OUT, file.replace(/\.ts$/, '.js')), js);
  }
}

export const childScript = (
  name: 'bench-app' | 'bullmq-worker' | 'http-target' | 'ping-alone',
): string => join(CHILDREN_OUT, `${name}.js`);
