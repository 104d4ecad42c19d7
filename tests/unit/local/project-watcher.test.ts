// Hot reload must survive the ways editors save: in place, `sed -i` (write a temp file, rename it
// over), vim and IDE "safe write" (temp file renamed over the original). Node 20's recursive
// fs.watch went deaf to every later in-place write after the first rename-style save.
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadProjectFolder } from '../../../functions/adapters/files/load-project.ts';
import { formatRuleIssue } from '../../../functions/core/rules/parse-rule-files.ts';
import { type ProjectWatcher, watchProject } from '../../../local/runtime/project-watcher.ts';

const run = promisify(execFile);

const RULE = `id: payment-failed
description: Tell the customer a payment failed.
on:
  source: [acme.billing]
  detail-type: [PaymentFailed]
send:
  after: PT30M
channels: [sms]
template: payment-failed
`;

let dir = '';
let watcher: ProjectWatcher | undefined;
let reloads: Array<{ ids: string[]; issues: string[] }> = [];
let waiting: Array<() => void> = [];

/** What the runtime does on a reload: load the project again and keep what it found. */
function reload() {
  const project = loadProjectFolder(dir);
  reloads.push({
    ids: project.rules.map((loaded) => loaded.rule.id),
    issues: project.issues.map(formatRuleIssue),
  });
  for (const resolve of waiting.splice(0)) resolve();
}

/** Resolves with the reload that follows, failing after 5 s with what was seen so far. */
function nextReload(step: string): Promise<{ ids: string[]; issues: string[] }> {
  const before = reloads.length;
  return new Promise((resolve, reject) => {
    const timeout = setTimeout(() => reject(new Error(`no reload after ${step}`)), 5_000);
    waiting.push(() => {
      clearTimeout(timeout);
      const seen = reloads[before];
      if (seen === undefined) reject(new Error(`reload after ${step} not recorded`));
      else resolve(seen);
    });
  });
}

const ruleFile = () => join(dir, 'rules', 'payment-failed.yaml');

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'nudge-watch-'));
  mkdirSync(join(dir, 'rules'));
  mkdirSync(join(dir, 'templates', 'payment-failed'), { recursive: true });
  writeFileSync(ruleFile(), RULE);
  writeFileSync(
    join(dir, 'templates', 'payment-failed', 'en.sms.liquid'),
    'Payment {{ detail.id }} failed.\n',
  );
  writeFileSync(join(dir, 'nudge.config.yaml'), 'defaults:\n  locale: en\n');
  reloads = [];
  waiting = [];
  watcher = watchProject(dir, reload, { debounceMs: 50 });
  await watcher.ready;
});

afterEach(async () => {
  await watcher?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('project watcher', () => {
  it('reloads after a normal write, sed -i, a vim-style save and more normal writes', async () => {
    let seen = nextReload('a normal write');
    writeFileSync(ruleFile(), RULE.replace('id: payment-failed', 'id: v1'));
    expect((await seen).ids).toEqual(['v1']);

    seen = nextReload('sed -i');
    await run('sed', ['-i', 's/^id: v1$/id: v2/', ruleFile()]);
    expect((await seen).ids).toEqual(['v2']);

    // vim with backupcopy=no, IDE safe write: write a temporary file, rename it over the original.
    seen = nextReload('a vim-style save');
    const temp = join(dir, 'rules', '.payment-failed.yaml.tmp');
    writeFileSync(temp, RULE.replace('id: payment-failed', 'id: v3'));
    renameSync(temp, ruleFile());
    expect((await seen).ids).toEqual(['v3']);

    // The writes after the rename-style saves: what fs.watch stopped reporting.
    for (const id of ['v4', 'v5']) {
      seen = nextReload(`a normal write of ${id}`);
      writeFileSync(ruleFile(), RULE.replace('id: payment-failed', `id: ${id}`));
      expect((await seen).ids).toEqual([id]);
    }

    seen = nextReload('a template write');
    writeFileSync(join(dir, 'templates', 'payment-failed', 'en.sms.liquid'), 'Payment failed.\n');
    await seen;
    seen = nextReload('a settings write');
    writeFileSync(join(dir, 'nudge.config.yaml'), 'defaults:\n  locale: sv\n');
    await seen;
  });

  it('a broken save shows the error with file:line; the next good save clears it', async () => {
    let seen = nextReload('a broken sed -i save');
    await run('sed', ['-i', 's/after: PT30M/after: half an hour/', ruleFile()]);
    const broken = await seen;
    expect(broken.issues).toEqual([
      expect.stringMatching(/payment-failed\.yaml:7 send\.after: expected an ISO-8601 duration/),
    ]);

    seen = nextReload('the good save after it');
    writeFileSync(ruleFile(), readFileSync(ruleFile(), 'utf8').replace('half an hour', 'PT30M'));
    expect(await seen).toEqual({ ids: ['payment-failed'], issues: [] });
  });

  it('one burst of writes is one reload, and editor scratch files are not changes', async () => {
    const seen = nextReload('a burst');
    for (let i = 0; i < 5; i++) writeFileSync(ruleFile(), `${RULE}# edit ${i}\n`);
    writeFileSync(join(dir, 'rules', '.payment-failed.yaml.swp'), 'vim swap');
    writeFileSync(join(dir, 'rules', 'payment-failed.yaml~'), 'backup');
    await seen;
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(reloads).toHaveLength(1);

    writeFileSync(join(dir, 'rules', '.payment-failed.yaml.swo'), 'vim swap again');
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(reloads).toHaveLength(1);
  });
});
