import { afterEach, describe, expect, it } from 'vitest';
import type { Suppression } from '../../../functions/app/ports/suppressions.ts';
import type { Role } from '../../../functions/console/auth/roles.ts';
import {
  aMessage,
  aProfile,
  type ConsoleHarness,
  type FakeConsoleBackend,
  startConsoleHarness,
} from '../../support/fake-console-backend.ts';

// Every role but privacy: the masked view (the open local console's user holds privacy too).
const NO_CONTACTS: { roles: Role[] } = { roles: ['viewer', 'editor', 'publisher'] };

let harness: ConsoleHarness | undefined;

afterEach(async () => {
  await harness?.server.stop();
  harness = undefined;
});

/** Anna's number, suppressed by her STOP. */
const ANNA_NUMBER: Suppression = {
  channel: 'sms',
  address: '+46701234567',
  suppressed: true,
  reason: 'stop-reply',
  source: 'reply:SM9',
  at: '2026-11-24T09:07:00.000Z',
  customerId: 'cust-anna',
  history: [{ at: '2026-11-24T09:07:00.000Z', suppressed: true, reason: 'stop-reply', source: 'reply:SM9' }],
};

/** Her email, unsubscribed once and re-opted in. */
const ENTRIES: Suppression[] = [
  ANNA_NUMBER,
  {
    channel: 'email',
    address: 'anna@example.se',
    suppressed: false,
    reason: 'unsubscribe',
    source: 'reopt-in:ev-7',
    at: '2026-11-24T09:09:00.000Z',
    history: [
      { at: '2026-11-24T09:08:00.000Z', suppressed: true, reason: 'unsubscribe', source: 'sendgrid:sg-1' },
      { at: '2026-11-24T09:09:00.000Z', suppressed: false, source: 'reopt-in:ev-7' },
    ],
  },
];

function seed(backend: FakeConsoleBackend): void {
  backend.profiles.set('cust-anna', aProfile({ phone: '+46701234567', email: 'anna@example.se' }));
  backend.messages.push(aMessage());
  backend.suppressions.push(...ENTRIES, { ...ANNA_NUMBER, address: '+46709999999', customerId: 'cust-lars' });
}

describe('address suppressions in the console', () => {
  it("the customer page lists her addresses' suppressions: masked address, state, reason, since, source", async () => {
    // Arrange
    harness = await startConsoleHarness(seed, NO_CONTACTS);

    // Act
    const body = await (await harness.request('/customers/cust-anna')).text();

    // Assert
    const section = /<section class="card" id="suppressions">([\s\S]*?)<\/section>/.exec(body)?.[1] ?? '';
    const rows = [...section.matchAll(/<tr data-channel="(\w+)">([\s\S]*?)<\/tr>/g)];
    expect(rows.map((row) => row[1])).toEqual(['sms', 'email']);
    expect(rows[0]?.[2]).toContain('+467******67');
    expect(rows[0]?.[2]).toContain('suppressed');
    expect(rows[0]?.[2]).toContain('stop-reply');
    expect(rows[0]?.[2]).toContain('reply:SM9');
    expect(rows[0]?.[2]).toContain('2026-11-24 10:07'); // in her zone, Stockholm
    expect(rows[1]?.[2]).toContain('a***@e***.se');
    expect(rows[1]?.[2]).toContain('lifted');
    expect(section).not.toContain('+46701234567');
    expect(section).not.toContain('anna@example.se');
    expect(section).not.toContain('+46709999999'); // Lars's number is not hers
  });

  it('GET /api/customers/:id/suppressions gives the entries with their history; 404 for nobody', async () => {
    harness = await startConsoleHarness(seed);

    const found = await harness.request('/api/customers/cust-anna/suppressions');
    const missing = await harness.request('/api/customers/nobody/suppressions');

    expect(found.status).toBe(200);
    expect(await found.json()).toEqual({ customerId: 'cust-anna', items: ENTRIES });
    expect(missing.status).toBe(404);
  });

  it('a customer without suppressions says so', async () => {
    harness = await startConsoleHarness((backend) => backend.profiles.set('cust-anna', aProfile()));

    const body = await (await harness.request('/customers/cust-anna')).text();

    expect(body).toContain('No address of this customer is suppressed.');
  });

  it('GET /api/suppressions/:channel/:address looks one address up, whoever it belongs to', async () => {
    harness = await startConsoleHarness(seed);

    const number = await harness.request(`/api/suppressions/sms/${encodeURIComponent('+46701234567')}`);
    const email = await harness.request(`/api/suppressions/email/${encodeURIComponent('Anna@Example.SE')}`);
    const unknown = await harness.request(`/api/suppressions/sms/${encodeURIComponent('+46700000000')}`);

    expect(number.status).toBe(200);
    expect(await number.json()).toEqual(ANNA_NUMBER);
    expect(await email.json()).toMatchObject({
      channel: 'email',
      address: 'anna@example.se',
      suppressed: false,
    });
    expect(unknown.status).toBe(404);
  });
});
