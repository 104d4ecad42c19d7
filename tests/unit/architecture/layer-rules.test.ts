import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const repo = resolve(import.meta.dirname, '../../..');
const depcruise = join(repo, 'node_modules/.bin/depcruise');
const config = join(repo, '.dependency-cruiser.json');
const made: string[] = [];

/**
 * Writes a throw-away project laid out like Nudge's and runs the project's own layer check
 * (`npm run deps`: dependency-cruiser with .dependency-cruiser.json) on it, as `npm run lint` does.
 */
async function cruise(files: Record<string, string>): Promise<{ code: number; output: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'nudge-layers-'));
  made.push(dir);
  const tsconfig = {
    compilerOptions: { module: 'NodeNext', allowImportingTsExtensions: true, noEmit: true },
  };
  writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify(tsconfig));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  const roots = [...new Set(Object.keys(files).map((path) => path.split('/')[0] as string))];
  try {
    const { stdout } = await run(depcruise, [...roots, '--config', config], { cwd: dir });
    return { code: 0, output: stdout };
  } catch (error) {
    const failed = error as { code: number; stdout: string };
    return { code: failed.code, output: failed.stdout };
  }
}

afterAll(() => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});

describe('npm run lint refuses a layer violation or a cycle', () => {
  it('accepts imports that follow the layers', async () => {
    const result = await cruise({
      'functions/core/rule.ts': 'export const rule = 1;\n',
      'functions/app/use-case.ts': "import { rule } from '../core/rule.ts';\nexport const useCase = rule;\n",
      'functions/adapters/store.ts':
        "import { useCase } from '../app/use-case.ts';\nexport const store = useCase;\n",
      'local/runtime.ts':
        "import { store } from '../functions/adapters/store.ts';\nexport const rt = store;\n",
      'cli/main.ts': "import { rt } from '../local/runtime.ts';\nexport const main = rt;\n",
    });
    expect(result.output).not.toContain('error');
    expect(result.code).toBe(0);
  });

  it.each([
    ['core-is-pure', 'functions/core/rule.ts', 'functions/adapters/store.ts'],
    ['app-uses-only-core', 'functions/app/use-case.ts', 'functions/adapters/store.ts'],
    ['adapters-not-front-doors', 'functions/adapters/store.ts', 'local/runtime.ts'],
    ['functions-ship-alone', 'functions/handlers/send.ts', 'cli/main.ts'],
    ['local-not-cli', 'local/runtime.ts', 'cli/main.ts'],
    ['console-over-ports', 'functions/console/console-app.ts', 'functions/adapters/store.ts'],
  ])('names rule %s for %s importing %s', async (rule, from, to) => {
    const target = `${'../'.repeat(from.split('/').length - 1)}${to}`;
    const result = await cruise({
      [from]: `import { x } from '${target}';\nexport const y = x;\n`,
      [to]: 'export const x = 1;\n',
    });
    expect(result.code).not.toBe(0);
    expect(result.output).toContain(`error ${rule}: ${from} → ${to}`);
  });

  it('names a cycle', async () => {
    const result = await cruise({
      'functions/app/a.ts': "import { b } from './b.ts';\nexport const a = () => b;\n",
      'functions/app/b.ts': "import { a } from './a.ts';\nexport const b = () => a;\n",
    });
    expect(result.code).not.toBe(0);
    expect(result.output).toMatch(/error no-cycles: functions\/app\/[ab]\.ts/);
  });
});
