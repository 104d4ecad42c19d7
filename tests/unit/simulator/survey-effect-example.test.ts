/**
 * The shipped survey-effect journey (examples/events/survey-effect.jsonl) through the shipped rules:
 * a sample, so its behaviour is checked, not how many rules or lines there are.
 */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { simulateCommand } from '../../../cli/commands/simulate.command.ts';
import { compileDeployedProject } from '../../../functions/handlers/compile-project.ts';
import { formatBacktestReport, runBacktest } from '../../../functions/simulator/backtest.ts';
import { streamJsonLines } from '../../../functions/simulator/read-events.ts';
import type { SimulationLine } from '../../../functions/simulator/run-simulation.ts';

const EVENTS = 'examples/events/survey-effect.jsonl';

/** The documented holdout test, computed here on its own: SHA-256 of `<rule>\0<customer>`, first 8 bytes / 2^64. */
function heldOutAt10Percent(customerId: string): boolean {
  const digest = createHash('sha256').update(`satisfaction-survey\u0000${customerId}`).digest();
  return Number(digest.readBigUInt64BE(0)) / 2 ** 64 < 0.1;
}

describe('examples/events/survey-effect.jsonl with the shipped rules', () => {
  it('holds out exactly the customers in the 10 % group and surveys the others, the email one with score links', async () => {
    const output = await simulateCommand({
      events: EVENTS,
      rules: 'rules',
      templates: 'templates',
      format: 'jsonl',
    });
    expect(output.exitCode).toBe(0);
    const lines = output.text
      .trim()
      .split('\n')
      .map((line): SimulationLine => JSON.parse(line))
      .filter((line) => line.ruleId === 'satisfaction-survey');

    for (const line of lines) {
      if (line.customerId !== null && heldOutAt10Percent(line.customerId))
        expect([line.customerId, line.reason]).toEqual([line.customerId, 'holdout']);
      else expect([line.customerId, line.outcome]).toEqual([line.customerId, 'sent']);
    }
    expect(lines.some((line) => line.reason === 'holdout')).toBe(true);
    const email = lines.find((line) => line.channel === 'email' && line.outcome === 'sent');
    expect(email?.body).toMatch(/1: \S+\n2: \S+\n3: \S+\n4: \S+\n5: \S+/);
    const sms = lines.find((line) => line.channel === 'sms' && line.outcome === 'sent');
    expect(sms?.body).toMatch(/1-5/);
  });

  it('prints the avoid rate of each group: a call within 7 days counts once, a later one not at all', async () => {
    const output = await simulateCommand({
      events: EVENTS,
      rules: 'rules',
      templates: 'templates',
      format: 'table',
    });
    // Messaged: Astrid (called on day 11: too late), Bertil (called twice: one conversion), Cecilia
    // (no call). Held out: Hugo (called the next day).
    expect(output.text).toContain(
      'satisfaction-survey avoid rate: messaged 1/3 (33.3 %), held out 1/1 (100.0 %)',
    );
  });

  it('a backtest of the journey reports the same avoid rates per group as the simulation', async () => {
    const shipped = compileDeployedProject('.');
    const report = await runBacktest({
      baseline: shipped,
      candidate: shipped,
      events: streamJsonLines(EVENTS),
    });
    // The same four decisions as above: Bertil converts once, Astrid too late, Cecilia no call; Hugo held out and calls.
    expect(formatBacktestReport(report)).toContain(
      'avoid rate: messaged 1/3 (33.3 %), held out 1/1 (100.0 %)',
    );
  });
});
