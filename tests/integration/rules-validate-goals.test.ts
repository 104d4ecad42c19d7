/**
 * `nudge rules validate` warns (exit 0) when a goal or avoid pattern matched no past event: from
 * `--events`, or from the event archive of a reachable store (here: a "running local runtime"
 * whose runtime.json points at the test run's DynamoDB Local); without an archive it says the
 * patterns were not checked.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { DeleteTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createDynamoStores } from '../../functions/adapters/dynamodb/dynamo-stores.ts';
import { createJourneyTable } from '../../functions/adapters/dynamodb/table-design.ts';
import { dynamoDbLocalClientConfig } from '../../local/dynamodb/dynamodb-local.ts';
import { createTestTableName } from '../support/dynamodb-test-server.ts';

const run = promisify(execFile);

const RULE = [
  'id: invoice-reminder',
  'description: Remind about an overdue invoice',
  'on: { source: [acme.billing], detail-type: [InvoiceOverdue] }',
  'send: immediately',
  'dedupe: { key: "{{ detail.invoiceId }}" }',
  'channels: [sms]',
  'template: invoice-reminder',
  'goal:',
  '  on: { source: [acme.billing], detail-type: [PaymentReceived] }',
  '  key: detail.invoiceId',
  '  within: P7D',
  'avoid:',
  '  on: { source: [acme.contact-centre], detail-type: [CallReceived] }',
  '  key: detail.customer.id',
  '  within: P2D',
  'holdout: 10%',
  'examples: [{ detail: { invoiceId: I-1, customer: { id: c-1 } } }]',
  '',
].join('\n');
/** Where the avoid's `on` is written: its line (1-based) and the column of `on`. */
const AVOID_ON = `rules/invoice-reminder.yaml:${RULE.split('\n').indexOf('avoid:') + 2}:3`;
const GOAL_ON = `rules/invoice-reminder.yaml:${RULE.split('\n').indexOf('goal:') + 2}:3`;

const client = new DynamoDBClient(dynamoDbLocalClientConfig(inject('dynamodbEndpoint')));
let project: string;
let tableName: string;

function event(id: string, source: string, type: string, time: string, detail: Record<string, unknown>) {
  return { version: '0', id, source, 'detail-type': type, time, region: 'eu-north-1', resources: [], detail };
}

const hoursAgo = (hours: number) => new Date(Date.now() - hours * 3_600_000).toISOString();

beforeAll(async () => {
  project = mkdtempSync(join(tmpdir(), 'nudge-validate-goals-'));
  mkdirSync(join(project, 'rules'));
  mkdirSync(join(project, 'templates', 'invoice-reminder'), { recursive: true });
  writeFileSync(join(project, 'rules', 'invoice-reminder.yaml'), RULE);
  writeFileSync(join(project, 'templates', 'invoice-reminder', 'en.sms.liquid'), 'Invoice overdue\n');
  writeFileSync(join(project, 'nudge.config.yaml'), 'defaults:\n  locale: en\n');
  tableName = createTestTableName('validate-goals');
  await createJourneyTable(client, tableName);
});

afterAll(async () => {
  await client.send(new DeleteTableCommand({ TableName: tableName }));
  client.destroy();
  rmSync(project, { recursive: true, force: true });
});

/** The real `nudge rules validate`, run in the project folder. */
async function validate(...args: string[]): Promise<{ stdout: string; stderr: string; code: number }> {
  try {
    const bin = join(import.meta.dirname, '..', '..', 'bin', 'nudge.js');
    const { stdout, stderr } = await run('node', [bin, 'rules', 'validate', ...args], { cwd: project });
    return { stdout, stderr, code: 0 };
  } catch (error) {
    const failed = error as { stdout: string; stderr: string; code: number };
    return { stdout: failed.stdout, stderr: failed.stderr, code: failed.code };
  }
}

const warningLines = (stderr: string) => stderr.split('\n').filter((line) => line.endsWith('(warning)'));

describe('nudge rules validate: goal patterns against past events', () => {
  it('warns, located at avoid.on, when the event archive holds no call, and still passes', async () => {
    const stores = createDynamoStores({ tableName, client });
    for (const [id, hours] of [
      ['pay-1', 20],
      ['pay-2', 5],
    ] as const) {
      const at = hoursAgo(hours);
      const paid = event(id, 'acme.billing', 'PaymentReceived', at, { invoiceId: `I-${id}` });
      await stores.events.archive({ event: paid, at, receivedAt: at });
    }
    // A call outside the checked days does not count.
    const old = hoursAgo(30);
    const call = event('call-old', 'acme.contact-centre', 'CallReceived', old, { customer: { id: 'c-1' } });
    await stores.events.archive({ event: call, at: old, receivedAt: old });
    const dataDir = join(project, 'runtime-data');
    mkdirSync(dataDir, { recursive: true });
    writeFileSync(
      join(dataDir, 'runtime.json'),
      JSON.stringify({
        pid: process.pid,
        dynamodbEndpoint: inject('dynamodbEndpoint'),
        tableName,
        consoleUrl: 'http://127.0.0.1:1',
        eventsUrl: 'http://127.0.0.1:1',
      }),
    );

    const result = await validate('--data-dir', dataDir, '--days', '1');

    expect(result.code).toBe(0);
    const warnings = warningLines(result.stderr);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(
      new RegExp(`^${AVOID_ON} avoid\\.on: matched no event in the event archive's last 1 day`),
    );
    expect(warnings[0]).toContain('(2 read)');
    expect(result.stdout).toContain('1 rule(s) valid. 1 warning(s).');
  });

  it('checks an --events file instead: both patterns matched, no warning; neither matched, two', async () => {
    const matched = join(project, 'matched.jsonl');
    writeFileSync(
      matched,
      [
        event('pay-1', 'acme.billing', 'PaymentReceived', '2026-11-02T10:00:00Z', { invoiceId: 'I-1' }),
        event('call-1', 'acme.contact-centre', 'CallReceived', '2026-11-02T11:00:00Z', {
          customer: { id: 'c-1' },
        }),
      ]
        .map((line) => JSON.stringify(line))
        .join('\n'),
    );
    const other = join(project, 'other.jsonl');
    writeFileSync(
      other,
      `${JSON.stringify(event('x-1', 'acme.billing', 'InvoiceOverdue', '2026-11-02T10:00:00Z', {}))}\nnot json\n`,
    );

    const clean = await validate('--events', matched);
    const neither = await validate('--events', other);

    expect(clean.code).toBe(0);
    expect(warningLines(clean.stderr)).toEqual([]);
    expect(clean.stdout).toContain('1 rule(s) valid.\n');
    expect(neither.code).toBe(0);
    expect(warningLines(neither.stderr).map((line) => line.split(' ')[0])).toEqual([
      `${GOAL_ON}`,
      `${AVOID_ON}`,
    ]);
    expect(neither.stderr).toContain(`matched no event in ${other} (1 read)`);
  });

  it('says the patterns were not checked when there is no archive to read', async () => {
    const result = await validate('--data-dir', join(project, 'no-runtime-here'));

    expect(result.code).toBe(0);
    expect(warningLines(result.stderr)).toEqual([]);
    expect(result.stderr).toContain(
      'goal and avoid patterns not checked against past events: no event archive',
    );
  });
});
