import { afterEach, describe, expect, it } from 'vitest';
import type { FakeConsoleBackend } from '../../support/fake-console-backend.ts';
import { type ConsoleHarness, startConsoleHarness } from '../../support/fake-console-backend.ts';
import { aMessageRecord, aProfile } from '../../support/store-contract-fixtures.ts';

let harness: ConsoleHarness | undefined;

afterEach(async () => {
  await harness?.server.stop();
  harness = undefined;
});

/** Anna in the privacy stores: a profile, a sent message, and a message claimed right now. */
async function seedAnna(backend: FakeConsoleBackend, inFlight: boolean): Promise<void> {
  const stores = backend.privacyStores;
  await stores.profiles.putProfile(aProfile());
  await stores.messages.createMessage(aMessageRecord({ messageId: 'm-1', status: 'sent' }));
  if (inFlight) {
    await stores.messages.createMessage(
      aMessageRecord({ messageId: 'm-2', status: 'sending', leaseUntil: '2026-11-24T09:11:00.000Z' }),
    );
  }
}

describe('privacy requests in the console API', () => {
  it('GET /api/customers/:id/export answers the document; an unknown id 404', async () => {
    // Arrange
    harness = await startConsoleHarness();
    await seedAnna(harness.backend, false);

    // Act
    const found = await harness.request('/api/customers/cust-anna/export');
    const missing = await harness.request('/api/customers/cust-nobody/export');

    // Assert
    expect(found.status).toBe(200);
    expect(await found.json()).toMatchObject({
      customerId: 'cust-anna',
      profile: { phone: '+46701234567' },
      messages: [{ messageId: 'm-1', status: 'sent' }],
    });
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({
      error: { message: expect.stringContaining('no such customer') },
    });
  });

  it('POST /api/customers/:id/erase: 409 while a message is in flight (nothing erased), then 200, then 404', async () => {
    // Arrange
    harness = await startConsoleHarness();
    await seedAnna(harness.backend, true);
    const stores = harness.backend.privacyStores;

    // Act + Assert: in flight
    const refused = await harness.postJson('/api/customers/cust-anna/erase', {});
    expect(refused.status).toBe(409);
    expect(await refused.json()).toMatchObject({ error: { code: 'messages-in-flight' } });
    expect(await stores.profiles.getProfile('cust-anna')).toBeDefined();

    // Act + Assert: the send finished (lease lapsed), erase goes through
    harness.backend.now = '2026-11-24T09:12:00.000Z';
    const erased = await harness.postJson('/api/customers/cust-anna/erase', {});
    expect(erased.status).toBe(200);
    const body: unknown = await erased.json();
    expect(body).toMatchObject({ summary: { profile: 1, messages: 2 } });
    expect(body).toHaveProperty('audit', {
      at: '2026-11-24T09:12:00.000Z',
      detail: expect.stringContaining('messages 2'),
      action: 'customer.erase',
      target: 'cust-anna',
      actor: 'local-console',
    });
    expect(JSON.stringify(body)).not.toContain('+4670');
    expect(await stores.profiles.getProfile('cust-anna')).toBeUndefined();
    expect(await stores.messages.getMessage('m-1')).toBeUndefined();

    // Act + Assert: nothing left
    expect((await harness.postJson('/api/customers/cust-anna/erase', {})).status).toBe(404);
  });
});
