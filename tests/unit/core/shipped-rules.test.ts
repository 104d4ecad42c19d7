/**
 * The shipped rules are samples: tested for validity and behaviour only, never counted, so they can
 * change freely.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { simulateCommand } from '../../../cli/commands/simulate.command.ts';
import { loadProjectFolder } from '../../../functions/adapters/files/load-project.ts';
import { formatRuleIssue } from '../../../functions/core/rules/parse-rule-files.ts';
import type { SimulationLine } from '../../../functions/simulator/run-simulation.ts';

const scratch = mkdtempSync(join(tmpdir(), 'nudge-shipped-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('the shipped rules', () => {
  it('validate with no errors and no warnings (every variable and key checked against their examples)', () => {
    const project = loadProjectFolder('.');
    expect(project.issues.map(formatRuleIssue)).toEqual([]);
    expect(project.warnings.map(formatRuleIssue)).toEqual([]);
  });

  it('send one callback confirmation when the producer publishes the same booking twice', async () => {
    const booking = (id: string) => ({
      id,
      source: 'acme.contact-centre',
      'detail-type': 'CallbackBooked',
      time: '2026-11-24T09:05:00Z',
      detail: {
        callbackId: 'CB-9',
        caseId: 'K-9',
        callbackAt: '2026-11-24T14:20:00+01:00',
        customer: { id: 'cust-anna', firstName: 'Anna', phone: '+46701234567', timeZone: 'Europe/Stockholm' },
      },
    });
    const events = join(scratch, 'twice.jsonl');
    writeFileSync(events, `${JSON.stringify(booking('ev-a'))}\n${JSON.stringify(booking('ev-b'))}\n`);
    const output = await simulateCommand({ events, rules: 'rules', templates: 'templates', format: 'jsonl' });
    expect(output.exitCode).toBe(0);
    const lines = output.text
      .trim()
      .split('\n')
      .map((line): SimulationLine => JSON.parse(line))
      .filter((line) => line.ruleId === 'callback-booked');
    expect(lines.map((line) => [line.eventId, line.outcome, line.reason])).toEqual([
      ['ev-a', 'sent', null],
      ['ev-b', 'suppressed', 'duplicate'],
    ]);
  });
});
