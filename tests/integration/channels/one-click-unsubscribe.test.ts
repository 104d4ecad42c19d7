import { DateTime } from 'luxon';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signUnsubscribeToken } from '../../../functions/adapters/links/unsubscribe-link.ts';
import { type LocalRuntime, startLocalRuntime } from '../../../local/runtime/local-runtime.ts';

// One-click unsubscribe (RFC 8058) end to end on the local runtime: the send step emails through
// the real @sendgrid/mail SDK to the loopback SendGrid sandbox, which keeps the request's
// headers; the test then uses the captured link the way a mail client does (Node's fetch against
// the local webhook server) and sends again.
const START = DateTime.fromISO('2027-02-02T09:00:00Z', { zone: 'utc' });
const CUSTOMER = {
  id: 'cust-unsub',
  firstName: 'Anna',
  email: 'Anna.Unsub@Example.se',
  locale: 'sv-SE',
  timeZone: 'Europe/Stockholm',
};
const ONE_CLICK_BODY = 'List-Unsubscribe=One-Click';

let runtime: LocalRuntime;
let sequence = 0;

function emailReceived() {
  sequence++;
  return {
    version: '0',
    id: `ev-unsub-${sequence}`,
    'detail-type': 'EmailReceived',
    source: 'acme.contact-centre',
    time: runtime.clock.now().toISO(),
    detail: {
      channel: 'email',
      caseId: `K-U${sequence}`,
      subject: 'Hej',
      receivedAt: runtime.clock.now().toISO(),
      customer: CUSTOMER,
    },
  };
}

/** The `<…>` URL of a List-Unsubscribe header value, as a mail client extracts it. */
function linkOf(header: string | undefined): string {
  const match = /^<([^>]+)>$/.exec(header ?? '');
  if (match?.[1] === undefined) throw new Error(`not a List-Unsubscribe value: ${String(header)}`);
  return match[1];
}

beforeAll(async () => {
  runtime = await startLocalRuntime({
    projectDir: process.cwd(),
    demo: false,
    watch: false,
    speed: 0,
    clockStart: START,
    ports: { console: 0, events: 0 },
    providerReports: 'manual',
  });
}, 120_000);

afterAll(async () => runtime?.stop());

describe('one-click unsubscribe through SendGrid and the webhook server', () => {
  let link = '';

  it('every email carries List-Unsubscribe (an unsubscribe URL on the webhook server) and List-Unsubscribe-Post', async () => {
    const result = await runtime.evaluate(emailReceived());
    expect(result.planned).toHaveLength(1);
    await runtime.settle();

    const emails = runtime.sendgrid.messages();
    expect(emails).toHaveLength(1);
    const [email] = emails;
    expect(email?.recipients.map((recipient) => recipient.email)).toEqual([CUSTOMER.email]);
    expect(email?.headers['List-Unsubscribe-Post']).toBe(ONE_CLICK_BODY);
    link = linkOf(email?.headers['List-Unsubscribe']);
    expect(link.startsWith(`${runtime.urls.webhooks}/unsubscribe?t=`)).toBe(true);
    // SendGrid's own subscription tracking would add a second List-Unsubscribe: it is off.
    expect(email?.request).toMatchObject({ tracking_settings: { subscription_tracking: { enable: false } } });
  });

  it('a GET of the link (a scanner, a preview, the person) shows a page and suppresses nothing', async () => {
    const response = await fetch(link);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-security-policy')).toContain("default-src 'none'");
    const html = await response.text();
    expect(html).toContain('<html lang="sv">');
    expect(html).toContain('method="post"');
    expect(await runtime.stores.suppressions.get('email', CUSTOMER.email.toLowerCase())).toBeUndefined();
  });

  it('a forged link is refused with 403 and changes nothing', async () => {
    const forged = signUnsubscribeToken(
      { address: 'someone.else@example.se', messageId: 'm-forged' },
      { key: 'a-key-that-is-not-the-runtime-key-0123456789', nowEpochSeconds: Math.floor(START.toSeconds()) },
    );
    const response = await fetch(`${runtime.urls.webhooks}/unsubscribe?t=${forged}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: ONE_CLICK_BODY,
    });
    expect(response.status).toBe(403);
    expect(await runtime.stores.suppressions.get('email', 'someone.else@example.se')).toBeUndefined();
  });

  it("the mail client's one-click POST suppresses the address and withdraws the customer's email consent", async () => {
    const response = await fetch(link, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: ONE_CLICK_BODY,
      redirect: 'manual',
    });
    expect(response.status).toBe(200);
    const entry = await runtime.stores.suppressions.get('email', 'anna.unsub@example.se');
    expect(entry).toMatchObject({
      suppressed: true,
      reason: 'one-click-unsubscribe',
      customerId: CUSTOMER.id,
    });
    expect(entry?.source).toMatch(/^unsubscribe:/);
    expect((await runtime.stores.profiles.getProfile(CUSTOMER.id))?.consent.email?.granted).toBe(false);
    expect(runtime.outcomes().filter((event) => event['detail-type'] === 'CustomerOptedOut')).toHaveLength(1);

    // A client that retries the POST changes nothing more.
    const again = await fetch(link, { method: 'POST', body: ONE_CLICK_BODY });
    expect(again.status).toBe(200);
    expect((await runtime.stores.suppressions.get('email', 'anna.unsub@example.se'))?.history).toHaveLength(
      1,
    );
    expect(runtime.outcomes().filter((event) => event['detail-type'] === 'CustomerOptedOut')).toHaveLength(1);
  });

  it('the next email to that customer is held back, not sent', async () => {
    runtime.clock.set(runtime.clock.now().plus({ minutes: 5 }));
    const result = await runtime.evaluate(emailReceived());
    await runtime.settle();
    expect(runtime.sendgrid.messages()).toHaveLength(1);
    const ids = result.planned.map((item) => item.messageId);
    expect(ids).toHaveLength(1);
    const held = await runtime.stores.messages.getMessage(ids[0] ?? '');
    expect(held?.status).toBe('suppressed');
    // Held back by the withdrawn consent; the per-address check of every send (the suppression
    // list) comes with the send-side change of the same issue.
    expect(held?.history.at(-1)?.detail).toMatch(/email: customer opted out/);
  });
});
