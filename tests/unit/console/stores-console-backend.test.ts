// The console as deployed: its AWS backend over the Stores (memory fakes here) and the real
// EventBridge SDK against the loopback PutEvents endpoint, served through the Lambda host.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { handle, type LambdaEvent } from 'hono/aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMemoryStores } from '../../../functions/adapters/memory/memory-stores.ts';
import { createConsoleApp } from '../../../functions/console/console-app.ts';
import { createStoresConsoleBackend } from '../../../functions/console/stores-console-backend.ts';
import { compileDeployedProject } from '../../../functions/handlers/compile-project.ts';
import { type EventBridgeEvent, startPutEventsServer } from '../../../local/aws/put-events-server.ts';
import { aMessage, aProfile } from '../../support/fake-console-backend.ts';
import { httpApiEvent, lambdaContext } from '../../support/http-api-event.ts';

const DOMAIN = 'console.example.com';
const RULE_YAML = `id: parcel-late
description: Say sorry when a parcel is late.
on:
  source: [acme.orders]
  detail-type: [ParcelLate]
send: immediately
window: always
channels: [sms]
template: parcel-late
`;

function event(method: string, path: string, body?: unknown): LambdaEvent {
  return httpApiEvent(method, path, {
    domain: DOMAIN,
    ...(body === undefined
      ? {}
      : {
          headers: { 'content-type': 'application/json', origin: `https://${DOMAIN}` },
          body: JSON.stringify(body),
        }),
  });
}

describe('the deployed console backend (Stores + journey bus)', () => {
  const delivered: Array<{ events: EventBridgeEvent[]; buses: string[] }> = [];
  const projectDir = mkdtempSync(join(tmpdir(), 'nudge-console-project-'));
  let stopBus: () => Promise<void>;
  let client: EventBridgeClient;
  let invoke: (e: LambdaEvent) => Promise<{ statusCode: number; body: string }>;

  beforeAll(async () => {
    mkdirSync(join(projectDir, 'rules'));
    mkdirSync(join(projectDir, 'templates', 'parcel-late'), { recursive: true });
    writeFileSync(join(projectDir, 'rules', 'parcel-late.yaml'), RULE_YAML);
    writeFileSync(
      join(projectDir, 'templates', 'parcel-late', 'en.sms.liquid'),
      'Sorry, your parcel is late.',
    );
    const project = compileDeployedProject(projectDir);
    const bus = await startPutEventsServer({
      host: '127.0.0.1',
      onEvents: (events, delivery) => {
        delivered.push({ events, buses: delivery.eventBusNames });
      },
    });
    stopBus = () => bus.stop();
    client = new EventBridgeClient({
      endpoint: bus.url,
      region: 'eu-north-1',
      credentials: { accessKeyId: 'AKIDLOCAL', secretAccessKey: 'local-secret' },
      maxAttempts: 1,
    });
    const stores = createMemoryStores();
    await stores.messages.createMessage(
      aMessage({ ruleId: 'parcel-late', status: 'scheduled', rendered: undefined }),
    );
    await stores.profiles.putProfile(aProfile({ locale: 'en' }));
    const app = createConsoleApp({
      backend: createStoresConsoleBackend({
        stores,
        project,
        bus: { client, name: 'nudge-journeys-test' },
        publicUrl: `https://${DOMAIN}`,
        now: () => new Date('2026-11-24T09:10:00Z'),
      }),
      origins: () => [`https://${DOMAIN}`],
    });
    const lambda = handle(app);
    invoke = async (e) => lambda(e, lambdaContext);
  });

  afterAll(async () => {
    client.destroy();
    await stopBus();
    rmSync(projectDir, { recursive: true, force: true });
  });

  it('lists the deployed rules with the counters read from the stores', async () => {
    // Act
    const result = await invoke(event('GET', '/api/rules'));

    // Assert
    expect(result.statusCode).toBe(200);
    const body = JSON.parse(result.body);
    expect(body).toMatchObject({ valid: true, issues: [] });
    expect(body.rules).toHaveLength(1);
    expect(body.rules[0]).toMatchObject({
      id: 'parcel-late',
      channels: ['sms'],
      // Created scheduled on 2026-11-24 (UTC), inside the last 30 days: planned once.
      counts: { planned: 1 },
      nextPlanned: [{ messageId: 'msg-1', customerId: 'cust-anna' }],
    });
    expect(body.rules[0].days.at(-1)).toEqual({ day: '2026-11-24', counts: { planned: 1 } });
  });

  it('lists pending sends, a rule’s counters, and previews a scheduled message from the deployed templates', async () => {
    // Act
    const pending = await invoke(event('GET', '/api/pending'));
    const stats = await invoke(event('GET', '/api/rules/parcel-late/stats?days=2'));
    const unknownRule = await invoke(event('GET', '/api/rules/nope/stats'));
    const page = await invoke(event('GET', '/messages/msg-1'));

    // Assert
    expect(pending.statusCode).toBe(200);
    expect(JSON.parse(pending.body).items.map((item: { messageId: string }) => item.messageId)).toEqual([
      'msg-1',
    ]);
    expect(JSON.parse(stats.body)).toMatchObject({
      ruleId: 'parcel-late',
      from: '2026-11-23',
      to: '2026-11-24',
      totals: { planned: 1 },
    });
    expect(unknownRule.statusCode).toBe(404);
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('Provisional: rendered now');
    expect(page.body).toContain('Sorry, your parcel is late.');
  });

  it('reads a customer from the stores', async () => {
    // Act
    const found = await invoke(event('GET', '/api/customers/cust-anna'));
    const missing = await invoke(event('GET', '/api/customers/nobody'));

    // Assert
    expect(found.statusCode).toBe(200);
    expect(JSON.parse(found.body).messages).toHaveLength(1);
    expect(missing.statusCode).toBe(404);
  });

  it('puts a test event on the journey bus with PutEvents', async () => {
    // Act
    const result = await invoke(
      event('POST', '/api/events', {
        source: 'acme.orders',
        'detail-type': 'ParcelLate',
        detail: { orderId: 'O-9' },
      }),
    );

    // Assert
    expect(result.statusCode).toBe(200);
    const answer = JSON.parse(result.body);
    expect(answer).toMatchObject({ accepted: 1, rejected: 0 });
    expect(delivered).toHaveLength(1);
    expect(delivered[0]?.buses).toEqual(['nudge-journeys-test']);
    expect(delivered[0]?.events[0]).toMatchObject({
      id: answer.results[0].eventId,
      source: 'acme.orders',
      'detail-type': 'ParcelLate',
      detail: { orderId: 'O-9' },
    });
  });

  it('has nothing captured, and says why', async () => {
    // Act
    const result = await invoke(event('GET', '/api/captured'));

    // Assert
    expect(result.statusCode).toBe(200);
    const body = JSON.parse(result.body);
    expect(body.items).toEqual([]);
    expect(body.note).toMatch(/real Twilio and SendGrid/);
  });

  it('refuses to reply as a customer: a sandbox feature', async () => {
    // Act
    const result = await invoke(event('POST', '/api/replies', { from: '+46701234567', body: 'YES' }));

    // Assert
    expect(result.statusCode).toBe(422);
    expect(JSON.parse(result.body)).toMatchObject({
      error: { code: 'reply-rejected', message: expect.stringMatching(/sandbox feature.*npm start/) },
    });
  });
});
