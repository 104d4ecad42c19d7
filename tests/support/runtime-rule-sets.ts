/**
 * Helpers for the e2e tests of rule-set versions on the local runtime (tests/e2e/rule-versions and
 * publish-gate): fixture project folders, an order event, what was sent for it and under which
 * version, the runtime's table as a CLI store target, and a CLI io that keeps the output.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CommandIo } from '../../cli/commands/rules-versions.command.ts';
import type { StoreTarget } from '../../cli/store-target.ts';
import type { LocalRuntime } from '../../local/runtime/local-runtime.ts';

const dirs: string[] = [];

/** A temporary project folder with these files (paths below it) and an empty examples/events. */
export function project(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'nudge-versions-'));
  dirs.push(dir);
  mkdirSync(join(dir, 'examples', 'events'), { recursive: true });
  for (const [file, text] of Object.entries(files)) {
    mkdirSync(join(dir, file, '..'), { recursive: true });
    writeFileSync(join(dir, file), text);
  }
  return dir;
}

/** Removes every folder {@link project} made (afterAll). */
export function removeProjects(): void {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
}

let eventCount = 0;
/** An order event for customer `cust-<orderId>` (a Swedish mobile), one minute before the runtime's clock. */
export function orderPlaced(runtime: LocalRuntime, orderId: string) {
  eventCount++;
  return {
    version: '0',
    id: `ev-${orderId}-${eventCount}`,
    source: 'acme.orders',
    'detail-type': 'OrderPlaced',
    time: runtime.clock.now().minus({ minutes: 1 }).toISO(),
    detail: {
      orderId,
      customer: { id: `cust-${orderId}`, phone: '+46701234500', locale: 'en', timeZone: 'Europe/Stockholm' },
    },
  };
}

/** The SMS sent for an order, with the version, status and reason its record carries. */
export async function sentFor(runtime: LocalRuntime, orderId: string) {
  const [record] = (await runtime.stores.queries.customerTimeline(`cust-${orderId}`, 10)).messages;
  const sms = runtime.twilio.messages().find((message) => message.body.includes(orderId));
  return {
    body: sms?.body,
    ruleSetVersion: record?.ruleSetVersion,
    status: record?.status,
    reason: record?.reason,
  };
}

/** The runtime's table as the target of a CLI command. */
export function targetOf(runtime: LocalRuntime): StoreTarget {
  return {
    stores: runtime.stores,
    client: runtime.dynamoClient,
    tableName: runtime.tableName,
    where: 'the test runtime',
    close: async () => undefined,
  };
}

/** The CLI's output, kept; prompts are answered no. */
export function capture(): CommandIo & { text: () => string } {
  const lines: string[] = [];
  return {
    out: (text) => lines.push(text),
    err: (text) => lines.push(text),
    confirm: async () => false,
    text: () => lines.join(''),
  };
}
