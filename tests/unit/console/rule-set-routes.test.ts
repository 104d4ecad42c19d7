import { afterEach, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { createMemoryStores } from '../../../functions/adapters/memory/memory-stores.ts';
import type { RuleSetContent } from '../../../functions/app/ports/rule-sets.ts';
import { EngineSettingsSchema } from '../../../functions/core/config/engine-settings.ts';
import { RuleSchema } from '../../../functions/core/rules/rule-schema.ts';
import { type ConsoleHarness, startConsoleHarness } from '../../support/fake-console-backend.ts';

// The rule editor's API over a fake backend whose rule sets are the memory store: validate and
// preview as the editor types, then publish (validated, conditional on the version seen) and roll back.

const RULE = `id: order-thanks
description: Thank the customer for an order.
on:
  source: [acme.orders]
  detail-type: [OrderPlaced]
send: immediately
window: always
channels: [sms]
template: order-thanks
dedupe:
  key: "{{ detail.orderId }}"
`;

const TEMPLATE = 'order-thanks/en.sms.liquid';

function content(): RuleSetContent {
  return {
    settings: EngineSettingsSchema.parse({ defaults: { locale: 'en', timeZone: 'Europe/Stockholm' } }),
    rules: [RuleSchema.parse(parseYaml(RULE))],
    templates: { [TEMPLATE]: 'Thanks for order {{ detail.orderId }}.\n' },
  };
}

let harness: ConsoleHarness | undefined;
afterEach(async () => {
  await harness?.server.stop();
  harness = undefined;
});

async function start() {
  const stores = createMemoryStores();
  await stores.ruleSets.seed(content(), { at: '2026-11-24T09:00:00Z', by: 'seed', message: 'first' });
  harness = await startConsoleHarness((backend) => {
    backend.ruleSetConsole = { store: stores.ruleSets, archive: stores.events };
  });
  return { ...harness, stores };
}

/** A JSON answer of the API, with the fields these tests read. */
interface ApiBody {
  valid?: boolean;
  activeVersion?: number;
  from?: string;
  renders?: unknown[];
  issues: Array<{ file: string; line: number; field: string; text: string }>;
  error: { message: string };
  history: Array<{ action: string }>;
}

async function read(response: Response | undefined): Promise<ApiBody> {
  return JSON.parse((await response?.text()) ?? '{}');
}

const ORDER_EVENT = {
  source: 'acme.orders',
  'detail-type': 'OrderPlaced',
  id: 'ev-1',
  time: '2026-11-24T09:00:00Z',
  detail: { orderId: 'O-77', customer: { id: 'c-1', phone: '+46701234567', locale: 'en' } },
};

describe('validate and preview as the editor types', () => {
  it('a broken field comes back located, in the CLI format', async () => {
    const { postJson } = await start();
    const response = await postJson('/api/rule-sets/validate', {
      ruleId: 'order-thanks',
      yaml: RULE.replace('channels: [sms]', 'channels: [pigeon]'),
      templates: {},
    });
    expect(response.status).toBe(200);
    const body = await read(response);
    expect(body.valid).toBe(false);
    expect(body.activeVersion).toBe(1);
    expect(body.issues).toHaveLength(1);
    expect(body.issues[0]).toMatchObject({ file: 'rules/order-thanks.yaml', line: 8, field: 'channels[0]' });
    expect(body.issues[0]?.text).toMatch(/^rules\/order-thanks\.yaml:8 channels\[0\]: /);
  });

  it('the preview renders each template for an archived event the rule matches, with SMS segments', async () => {
    const { postJson, stores } = await start();
    await stores.events.archive({ event: ORDER_EVENT, at: ORDER_EVENT.time, receivedAt: ORDER_EVENT.time });
    const response = await postJson('/api/rule-sets/preview', {
      ruleId: 'order-thanks',
      yaml: RULE,
      templates: { [TEMPLATE]: 'We got order {{ detail.orderId }}!' },
    });
    expect(response.status).toBe(200);
    const body = await read(response);
    expect(body.from).toBe('archive');
    expect(body.renders).toEqual([
      {
        file: 'templates/order-thanks/en.sms.liquid',
        locale: 'en',
        channel: 'sms',
        ok: true,
        text: 'We got order O-77!',
        encoding: 'GSM-7',
        segments: 1,
      },
    ]);
  });

  it('an invalid draft gets no preview: 422 with the issues', async () => {
    const { postJson } = await start();
    const response = await postJson('/api/rule-sets/preview', {
      ruleId: 'order-thanks',
      yaml: RULE,
      templates: { [TEMPLATE]: 'Order {{ detail.orderId | nosuchfilter }}' },
    });
    expect(response.status).toBe(422);
    const body = await read(response);
    expect(body.issues[0]?.file).toBe('templates/order-thanks/en.sms.liquid');
  });
});

describe('publish and rollback', () => {
  it('an invalid draft is refused with 422 and located issues; the active version does not move', async () => {
    const { postJson, stores } = await start();
    const response = await postJson('/api/rule-sets/publish', {
      ruleId: 'order-thanks',
      yaml: RULE,
      templates: { [TEMPLATE]: 'Hi {{ custmer.firstName }}' },
      expectedVersion: 1,
      message: 'broken',
    });
    expect(response.status).toBe(422);
    const body = await read(response);
    expect(body.issues[0]?.text).toMatch(/^templates\/order-thanks\/en\.sms\.liquid:1:\d+ /);
    expect((await stores.ruleSets.active())?.version).toBe(1);
    expect(await stores.ruleSets.listVersions()).toHaveLength(1);
  });

  it('a valid draft becomes the active version with who and why; a stale expected version is a 409', async () => {
    const { postJson, stores } = await start();
    const draft = {
      ruleId: 'order-thanks',
      yaml: RULE,
      templates: { [TEMPLATE]: 'We got order {{ detail.orderId }}!\n' },
    };
    const published = await postJson('/api/rule-sets/publish', {
      ...draft,
      expectedVersion: 1,
      message: 'warmer',
    });
    expect(published.status).toBe(200);
    expect(await read(published)).toMatchObject({ version: 2, from: 1 });
    const active = await stores.ruleSets.active();
    expect(active?.version).toBe(2);
    expect(active?.lastMove).toMatchObject({ action: 'publish', message: 'warmer', by: 'local-console' }); // the open console's user: who published, not 'console'
    expect((await stores.ruleSets.getVersion(2))?.content.templates[TEMPLATE]).toBe(
      'We got order {{ detail.orderId }}!\n',
    );

    const stale = await postJson('/api/rule-sets/publish', {
      ...draft,
      templates: { [TEMPLATE]: 'Another text {{ detail.orderId }}\n' },
      expectedVersion: 1,
    });
    expect(stale.status).toBe(409);
    expect((await read(stale)).error.message).toMatch(/expected active version 1, but version 2 is active/);
    expect((await stores.ruleSets.active())?.version).toBe(2);
  });

  it('rollback moves the pointer back; to a version that does not exist is a 404 and changes nothing', async () => {
    const { postJson, stores } = await start();
    const draft = {
      ruleId: 'order-thanks',
      yaml: RULE,
      templates: { [TEMPLATE]: 'New {{ detail.orderId }}\n' },
    };
    await postJson('/api/rule-sets/publish', { ...draft, expectedVersion: 1 });
    const missing = await postJson('/api/rule-sets/rollback', { version: 9, expectedVersion: 2 });
    expect(missing.status).toBe(404);
    expect((await stores.ruleSets.active())?.version).toBe(2);
    const back = await postJson('/api/rule-sets/rollback', {
      version: 1,
      expectedVersion: 2,
      message: 'oops',
    });
    expect(back.status).toBe(200);
    expect((await stores.ruleSets.active())?.version).toBe(1);
    const versions = await read(await harness?.request('/api/rule-sets/versions'));
    expect(versions.history.map((move: { action: string }) => move.action)).toEqual([
      'rollback',
      'publish',
      'seed',
    ]);
  });
});
