import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const PRICES = join(import.meta.dirname, '../../../pricing/sms-prices.yaml');

/** Runs the real `nudge` command as a user would. */
async function nudge(...args: string[]): Promise<{ stdout: string; stderr: string; code: number }> {
  try {
    const { stdout, stderr } = await run('node', ['bin/nudge.js', ...args], { encoding: 'utf8' });
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
});
