import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { BACKTEST_OLD_SPACE_MIB } from '../../../cli/backtest-heap.ts';

const run = promisify(execFile);
const PRICES = join(import.meta.dirname, '../../../pricing/sms-prices.yaml');

/** Runs the real `nudge` command as a user would (`env`: extra environment variables). */
async function nudge(...args: string[]): Promise<{ stdout: string; stderr: string; code: number }> {
  return nudgeWith({}, ...args);
}

async function nudgeWith(
  env: Record<string, string>,
  ...args: string[]
): Promise<{ stdout: string; stderr: string; code: number }> {
  try {
    const { stdout, stderr } = await run('node', ['bin/nudge.js', ...args], {
      encoding: 'utf8',
      env: { ...process.env, ...env },
    });
    return { stdout, stderr, code: 0 };
  } catch (error) {
    const failed = error as { stdout: string; stderr: string; code: number };
    return { stdout: failed.stdout, stderr: failed.stderr, code: failed.code };
  }
}

/** A project folder with one SMS rule whose text is `text`. */
function projectDir(text: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'nudge-backtest-cli-'));
  mkdirSync(join(dir, 'rules'));
  mkdirSync(join(dir, 'templates', 'hello'), { recursive: true });
  writeFileSync(
    join(dir, 'rules', 'hello.yaml'),
    'id: hello\ndescription: x\non: { source: [acme.test], detail-type: [Booked] }\nsend: immediately\nwindow: always\nchannels: [sms]\ntemplate: hello\n',
  );
  writeFileSync(join(dir, 'templates', 'hello', 'en.sms.liquid'), text);
  writeFileSync(join(dir, 'nudge.config.yaml'), 'defaults: { locale: en }\n');
  return dir;
}

describe('nudge backtest', () => {
  it('compares two folders on a JSON Lines file, reports a malformed line by number, and prices the SMS', async () => {
    const active = projectDir('Hello {{ detail.ref }}');
    const candidate = projectDir('Hi there {{ detail.ref }}');
    const events = join(active, 'events.jsonl');
    const booked = (id: string) =>
      JSON.stringify({
        id,
        source: 'acme.test',
        'detail-type': 'Booked',
        time: '2026-11-24T09:00:00Z',
        detail: { ref: id, customer: { id: `c-${id}`, phone: '+46701234567', consent: { sms: true } } },
      });
    writeFileSync(events, `${booked('e1')}\n{oops\n${booked('e2')}\n`);

    const result = await nudge(
      'backtest',
      '--events',
      events,
      '--against',
      active,
      '--project',
      candidate,
      '--prices',
      PRICES,
      '--json',
    );

    expect(result.code).toBe(0);
    const { report, costs } = JSON.parse(result.stdout);
    expect(report.events).toMatchObject({ read: 3, replayed: 2, malformed: 1 });
    expect(report.malformed[0].line).toBe(2);
    expect(report.rules[0]).toMatchObject({ ruleId: 'hello', baseline: { sent: 2 }, candidate: { sent: 2 } });
    expect(report.differences.sample[0].candidate.text).toBe('Hi there e1');
    expect(costs.rules[0].candidate.sms).toBeGreaterThan(0);
  });

  it('without --against compares the folder with the active rule-set version in the table', async () => {
    const active = projectDir('Hello {{ detail.ref }}');
    const candidate = projectDir('Hi there {{ detail.ref }}');
    const dataDir = mkdtempSync(join(tmpdir(), 'nudge-backtest-data-'));
    const events = join(active, 'events.jsonl');
    writeFileSync(
      events,
      `${JSON.stringify({
        id: 'e1',
        source: 'acme.test',
        'detail-type': 'Booked',
        time: '2026-11-24T09:00:00Z',
        detail: { ref: 'e1', customer: { id: 'c-e1', phone: '+46701234567', consent: { sms: true } } },
      })}\n`,
    );
    const published = await nudge(
      'rules',
      'publish',
      join(active, 'rules'),
      '--templates',
      join(active, 'templates'),
      '--config',
      join(active, 'nudge.config.yaml'),
      '--events',
      events,
      '--yes',
      '--as',
      'test',
      '--data-dir',
      dataDir,
    );
    expect(published.code, published.stderr).toBe(0);

    const result = await nudge(
      'backtest',
      '--events',
      events,
      '--project',
      candidate,
      '--data-dir',
      dataDir,
      '--json',
    );

    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toContain('baseline = active rule-set version 1');
    const { report } = JSON.parse(result.stdout);
    expect(report.differences.sample[0].baseline.text).toBe('Hello e1');
    expect(report.differences.sample[0].candidate.text).toBe('Hi there e1');
  }, 60_000);

  it('refuses unclear options with exit code 2', async () => {
    const neither = await nudge('backtest', '--against', '.');
    const both = await nudge('backtest', '--events', 'x.jsonl', '--days', '2', '--against', '.');

    expect(neither.code).toBe(2);
    expect(neither.stderr).toContain('exactly one of --events <file> or --days <n>');
    expect(both.code).toBe(2);
  });

  describe('heap limit', () => {
    interface Probe {
      pid: number;
      ppid: number;
      limit: number;
    }

    /**
     * NODE_OPTIONS preloads a probe into every node process of the command (the environment is
     * inherited by a re-run): each writes its pid, parent pid and V8's heap size limit at exit.
     */
    async function probedBacktest(nodeOptions: string): Promise<{ code: number; probes: Probe[] }> {
      const dir = mkdtempSync(join(tmpdir(), 'nudge-backtest-heap-'));
      const out = join(dir, 'probes.jsonl');
      const probe = join(dir, 'probe.cjs');
      writeFileSync(
        probe,
        `process.on('exit', () => require('node:fs').appendFileSync(${JSON.stringify(out)}, JSON.stringify({ pid: process.pid, ppid: process.ppid, limit: require('node:v8').getHeapStatistics().heap_size_limit }) + '\\n'));\n`,
      );
      const project = projectDir('Hello {{ detail.ref }}');
      const events = join(dir, 'events.jsonl');
      writeFileSync(events, '');
      const result = await nudgeWith(
        { NODE_OPTIONS: `${nodeOptions} --require ${probe}`.trim() },
        'backtest',
        '--events',
        events,
        '--against',
        project,
        '--project',
        project,
        '--prices',
        PRICES,
        '--json',
      );
      const probes = readFileSync(out, 'utf8')
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as Probe);
      return { code: result.code, probes };
    }

    /** V8's heap size limit in a plain node started with `flags` (the oracle). */
    async function limitOf(...flags: string[]): Promise<number> {
      const { stdout } = await run('node', [
        ...flags,
        '-e',
        "process.stdout.write(String(require('node:v8').getHeapStatistics().heap_size_limit))",
      ]);
      return Number(stdout);
    }

    it('re-runs the backtest in a child node whose old space is bounded', async () => {
      const { code, probes } = await probedBacktest('');

      expect(code).toBe(0);
      expect(probes).toHaveLength(2);
      const parent = probes.find((p) => probes.some((q) => q.ppid === p.pid));
      const child = probes.find((p) => p.ppid === parent?.pid);
      expect(child?.limit).toBe(await limitOf(`--max-old-space-size=${BACKTEST_OLD_SPACE_MIB}`));
      expect(parent?.limit).toBe(await limitOf());
    }, 60_000);

    it('runs in place with the limit the user set in NODE_OPTIONS', async () => {
      const { code, probes } = await probedBacktest('--max-old-space-size=300');

      expect(code).toBe(0);
      expect(probes).toHaveLength(1);
      expect(probes[0]?.limit).toBe(await limitOf('--max-old-space-size=300'));
    }, 60_000);
  });
});
