import { DateTime } from 'luxon';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalRuntime } from '../../local/runtime/local-runtime.ts';
import { cells, recordFigures } from './support/figures.ts';
import { acceptedEmails, oneClickForgeries } from './support/public-surfaces.ts';
import { shippedProject, startFrozenRuntime } from './support/runtime-driver.ts';

// Guarantee: every email carries a working one-click unsubscribe (RFC 8058): `List-Unsubscribe`
// with an https (loopback: http) URL and `List-Unsubscribe-Post: List-Unsubscribe=One-Click`.
// Fetching the link (a GET, as mail scanners and link previews do) changes nothing; a forged,
// cut or expired link changes nothing; the mail client's POST unsubscribes the address — no
// later email reaches it, in any letter case, for any customer — and a replayed POST is
// harmless.
//
// The oracle is the test's own log of the unsubscribes it POSTed (address, instant) against every
// email the SendGrid sandbox accepted; "changes nothing" is judged by asking for another email to
// the address and seeing the provider accept it. The link's lifetime is read from the shipped
// settings, not from the link code.
const START = DateTime.fromISO('2027-04-06T08:00:00Z', { zone: 'utc' }); // a Tuesday
const CREDENTIALS = {
  twilioAccountSid: `AC${'8'.repeat(32)}`,
  twilioAuthToken: 'one-click-suite-auth-token',
  sendgridApiKey: 'SG.one-click-suite-api-key',
};
const ONE_CLICK_BODY = 'List-Unsubscribe=One-Click';

let runtime: LocalRuntime;

beforeAll(async () => {
  // A fixed signing key and a frozen clock: the same links, so the same forgeries, every run.
  runtime = await startFrozenRuntime(START, {
    sandboxCredentials: CREDENTIALS,
    unsubscribeSigningKey: 'one-click-suite-signing-key-of-48-characters-xx',
  });
}, 120_000);

afterAll(async () => runtime?.stop());

let serial = 0;

function tick(minutes = 1): DateTime {
  runtime.clock.set(runtime.clock.now().plus({ minutes }));
  return runtime.clock.now();
}

/** A customer's email to the contact centre: the urgent acknowledgement goes out at once. */
async function receive(customerId: string, email: string): Promise<void> {
  serial++;
  tick();
  await runtime.evaluate({
    version: '0',
    id: `ev-1click-${serial}`,
    'detail-type': 'EmailReceived',
    source: 'acme.contact-centre',
    account: '111122223333',
    time: runtime.clock.now().toISO(),
    region: 'eu-north-1',
    resources: [],
    detail: {
      channel: 'email',
      caseId: `K-1C${serial}`,
      subject: 'Fråga',
      receivedAt: runtime.clock.now().toISO(),
      customer: { id: customerId, firstName: 'Mo', email, locale: 'sv', timeZone: 'Europe/Stockholm' },
    },
  });
  await runtime.drain();
}

/** Emails the provider accepted for `address` (any case), after `since` if given. */
function emailsTo(address: string, since?: DateTime) {
  return acceptedEmails(runtime).filter(
    (email) => email.to === address.toLowerCase() && (since === undefined || email.at > since),
  );
}

/** The one-click URL of the latest email to `address`. */
function linkOf(address: string): string {
  const url = emailsTo(address).pop()?.oneClick?.url;
  if (url === undefined)
    throw new Error(
      `no one-click link (List-Unsubscribe + List-Unsubscribe-Post) in the latest email to ${address}`,
    );
  return url;
}

/** What a mail client sends for a one-click unsubscribe (RFC 8058 §3.2), or a GET as a scanner does. */
async function hit(url: string, method: 'GET' | 'POST'): Promise<number> {
  tick();
  const response = await fetch(url, {
    method,
    redirect: 'manual',
    ...(method === 'POST'
      ? { headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: ONE_CLICK_BODY }
      : {}),
  });
  await response.text();
  return response.status;
}

describe('8d one-click unsubscribe (RFC 8058)', () => {
  it('every email carries both headers; GET, forged and expired links change nothing; the POST unsubscribes the address in any case, once', async ({
    task,
  }) => {
    // Arrange
    const linkDays = shippedProject().settings.unsubscribe.linkDays;
    const unsubscribes: Array<{ address: string; at: DateTime }> = [];
    const unchanged: Array<{ what: string; arrived: boolean }> = [];
    /** Asks for another email to `address` and records whether the provider accepted one. */
    const stillReaches = async (what: string, customerId: string, address: string) => {
      const before = runtime.clock.now();
      await receive(customerId, address);
      unchanged.push({ what, arrived: emailsTo(address, before).length === 1 });
    };

    // Act
    await receive('cust-ola', 'ola@example.se');
    await receive('cust-per', 'per@example.se');
    await receive('cust-ulla', 'ulla@example.se');
    await receive('cust-vera', 'Vera@Example.se');
    const olaLink = linkOf('ola@example.se');

    // A GET (a scanner, a link preview, the person opening the page) changes nothing.
    const getStatus = await hit(olaLink, 'GET');
    await stillReaches('after a GET of the link', 'cust-ola', 'ola@example.se');

    // Forged links: each POST refused, and the address still gets mail.
    const forgeries = oneClickForgeries(olaLink);
    const forged: Array<{ kind: string; status: number }> = [];
    for (const forgery of forgeries)
      forged.push({ kind: forgery.kind, status: await hit(forgery.url, 'POST') });
    await stillReaches('after the forged POSTs', 'cust-ola', 'ola@example.se');

    // The mail client's one-click POST of the real link.
    const postStatus = await hit(olaLink, 'POST');
    unsubscribes.push({ address: 'ola@example.se', at: runtime.clock.now() });
    await receive('cust-ola', 'ola@example.se');
    await receive('cust-ola', 'OLA@Example.SE');
    await receive('cust-other', 'Ola@example.se'); // another customer with the same address
    const replayStatus = await hit(olaLink, 'POST');
    await receive('cust-ola', 'ola@EXAMPLE.se');

    // A link just inside its lifetime works; past it, a fresh, unused link is refused.
    runtime.clock.set(START.plus({ days: linkDays - 1 }));
    const lateButValid = await hit(linkOf('ulla@example.se'), 'POST');
    unsubscribes.push({ address: 'ulla@example.se', at: runtime.clock.now() });
    const perLink = linkOf('per@example.se');
    runtime.clock.set(START.plus({ days: linkDays, hours: 1 }));
    const expiredPost = await hit(perLink, 'POST');
    const expiredGet = await hit(perLink, 'GET');
    await stillReaches('after the expired link was POSTed', 'cust-per', 'per@example.se');
    await receive('cust-ulla', 'ULLA@example.se');
    await runtime.settle();

    // Assert
    const emails = acceptedEmails(runtime);
    const withoutHeaders = emails.filter((email) => email.oneClick === undefined);
    const afterUnsubscribe = emails.filter((email) =>
      unsubscribes.some((entry) => entry.address === email.to && email.at > entry.at),
    );
    // Refused as the route documents: 400 for a malformed token, 403 for a forged one, 404 off
    // the route; nothing else (a 2xx changed something, a 5xx is a crash).
    const notRefused = forged.filter((attempt) => ![400, 403, 404].includes(attempt.status));
    const optedOutEvents = runtime
      .outcomes()
      .filter(
        (event) => event['detail-type'] === 'CustomerOptedOut' && event.detail.customerId === 'cust-ola',
      );
    const refusedShare = `${forged.length - notRefused.length}/${forged.length}`;
    recordFigures(task, {
      suite: '8d one-click unsubscribe (RFC 8058)',
      injected: cells([
        ['emails asked for', serial],
        ['GETs of a link', 2],
        ['forged POSTs', forged.length],
        ['real POSTs (one replayed)', 3],
        ['expired link POSTed', 1],
      ]),
      observed: cells([
        ['emails accepted', emails.length],
        ['without List-Unsubscribe + List-Unsubscribe-Post', withoutHeaders.length],
        ['forged refused', `${refusedShare} (${forged.map((attempt) => attempt.status).join(', ')})`],
        ['emails after an unsubscribe (any case, any customer)', afterUnsubscribe.length],
        [
          'addresses still reached after GET / forgeries / expiry',
          `${unchanged.filter((u) => u.arrived).length}/${unchanged.length}`,
        ],
        ['CustomerOptedOut for the replayed link', optedOutEvents.length],
      ]),
      key: [
        {
          figure: 'one-click unsubscribes: forged refused',
          value: `${refusedShare} (${Math.round((100 * (forged.length - notRefused.length)) / forged.length)} %)`,
          target: '100 %',
        },
        { figure: 'emails without List-Unsubscribe', value: String(withoutHeaders.length), target: '0' },
        {
          figure: 'emails after a one-click unsubscribe',
          value: String(afterUnsubscribe.length),
          target: '0',
        },
      ],
    });
    expect(withoutHeaders.map((email) => email.messageId)).toEqual([]);
    expect(getStatus).toBe(200);
    expect(notRefused.map((attempt) => `${attempt.kind}: ${attempt.status}`)).toEqual([]);
    expect(postStatus).toBe(200);
    expect(replayStatus).toBe(200);
    expect(optedOutEvents).toHaveLength(1); // the replay published nothing more
    expect(lateButValid).toBe(200);
    expect([expiredPost, expiredGet]).toEqual([403, 403]);
    expect(unchanged.filter((entry) => !entry.arrived).map((entry) => entry.what)).toEqual([]);
    expect(afterUnsubscribe.map((email) => `${email.to} at ${email.at.toISO()}`)).toEqual([]);
    // The first email to each of the four addresses, and one per "still reaches" probe.
    expect(emails).toHaveLength(4 + unchanged.length);
    expect(runtime.deadLetters()).toEqual([]);
  }, 60_000);
});
