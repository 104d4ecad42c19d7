import { afterEach, describe, expect, it } from 'vitest';
import type { Role } from '../../../functions/console/auth/roles.ts';
import {
  aConsoleRule,
  aMessage,
  aProfile,
  type ConsoleHarness,
  startConsoleHarness,
} from '../../support/fake-console-backend.ts';

// Every role but privacy: the masked view (the open local console's user holds privacy too).
const NO_CONTACTS: { roles: Role[] } = { roles: ['viewer', 'editor', 'publisher'] };

const XSS = '<script>alert(1)</script>';
const XSS_ESCAPED = '&lt;script&gt;alert(1)&lt;/script&gt;';

let harness: ConsoleHarness | undefined;

/** The open local console as `npm start` serves it: the local user holds every role. */
const startOpen = (seed?: Parameters<typeof startConsoleHarness>[0]) => start(seed, {});

async function start(
  seed?: Parameters<typeof startConsoleHarness>[0],
  options: { roles?: Role[] } = NO_CONTACTS,
): Promise<ConsoleHarness> {
  harness = await startConsoleHarness(seed, options);
  return harness;
}

afterEach(async () => {
  await harness?.server.stop();
  harness = undefined;
});

/** The page's only script is the console's own, carrying the nonce the CSP header allows. */
function expectOnlyOwnScript(response: Response, body: string): void {
  const scripts = body.match(/<script\b[^>]*>/g) ?? [];
  expect(scripts).toHaveLength(1);
  const nonce = /nonce="([^"]+)"/.exec(scripts[0] ?? '')?.[1];
  expect(nonce).toBeDefined();
  expect(response.headers.get('content-security-policy')).toContain(`script-src 'nonce-${nonce}'`);
}

describe('console pages', () => {
  it.each([
    ['/', 'Outbox'],
    ['/messages/msg-1', 'Message'],
    ['/customers', 'Customers'],
    ['/customers/cust-anna', 'Customer'],
    ['/rules', 'Rules'],
    ['/try', 'Try it'],
  ])('GET %s is an HTML page (%s) with the security headers', async (path, heading) => {
    // Arrange
    const { request } = await start((backend) => {
      backend.messages.push(aMessage());
      backend.profiles.set('cust-anna', aProfile());
      backend.consoleRules.push(aConsoleRule());
    });

    // Act
    const response = await request(path);
    const body = await response.text();

    // Assert
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(response.headers.get('x-frame-options')).toBe('DENY');
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(body).toContain(`<h1>${heading}`);
    expect(body).toContain('×60');
    expect(body).toContain('http://127.0.0.1:4010');
    expectOnlyOwnScript(response, body);
  });

  it('answers HEAD like GET without a body, and unknown pages with a 404 page', async () => {
    const { request } = await start();
    const head = await request('/rules', { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(await head.text()).toBe('');
    const missing = await request('/nowhere');
    expect(missing.status).toBe(404);
    expect(missing.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(await missing.text()).toContain('no such page: /nowhere');
    expect((await request('/messages/nope')).status).toBe(404);
    expect((await request('/customers/nobody')).status).toBe(404);
  });

  it('refuses a POST to a page that only reads, with 405 and Allow', async () => {
    const { request } = await start();
    const response = await request('/rules', { method: 'POST' });
    expect(response.status).toBe(405);
    expect(response.headers.get('allow')).toBe('GET, HEAD');
  });

  it('shows empty states that say what to do', async () => {
    const { request } = await start((backend) => {
      backend.sampleEvents = [];
    });
    expect(await (await request('/')).text()).toContain('No messages yet.');
    expect(await (await request('/customers')).text()).toContain('No customers yet.');
    expect(await (await request('/rules')).text()).toContain('No rules loaded.');
    const tryBody = await (await request('/try')).text();
    expect(tryBody).toContain('The phone has received nothing yet.');
    expect(tryBody).toContain('The inbox is empty.');
    expect(tryBody).toContain('No rejected inputs.');
    expect(tryBody).toContain('No samples offered');
  });
});

describe('escaping', () => {
  it('renders a hostile customer name, rule text and SMS text inert on every page', async () => {
    // Arrange
    const { request } = await start((backend) => {
      backend.profiles.set('cust-anna', aProfile({ firstName: XSS, name: `"><img src=x onerror=alert(2)>` }));
      backend.messages.push(
        aMessage({
          rendered: { channel: 'sms', text: `Hej ${XSS}`, encoding: 'GSM-7', segments: 1 },
          trigger: {
            id: 'ev-x',
            source: 'acme',
            detailType: XSS,
            time: '2026-11-24T09:05:00Z',
            detail: { name: XSS },
          },
          history: [{ at: '2026-11-24T09:05:01Z', status: 'suppressed', reason: XSS, detail: XSS }],
        }),
      );
      backend.replies.push({
        replyId: 'r1',
        receivedAt: '2026-11-24T09:06:00Z',
        from: '+46701234567',
        body: XSS,
        customerId: 'cust-anna',
      });
      backend.consoleRules.push(aConsoleRule({ description: XSS, summary: XSS, suppressedBy: { [XSS]: 1 } }));
      backend.issues = [`rules/x.yaml:3 on: ${XSS}`];
      backend.capturedMessages.push({
        providerId: 'SM1',
        channel: 'sms',
        to: '+46701234567',
        at: '2026-11-24T09:05:00Z',
        summary: XSS,
        status: 'sent',
      });
    });

    for (const path of ['/', '/messages/msg-1', '/customers/cust-anna', '/rules', '/try']) {
      // Act
      const response = await request(path);
      const body = await response.text();

      // Assert
      expect(body, path).not.toContain(XSS);
      expect(body, path).not.toContain('<img src=x');
      expect(body, path).toContain(XSS_ESCAPED);
      expectOnlyOwnScript(response, body);
    }
  });

  it('keeps a hostile id inside its link and its text', async () => {
    const id = `m"><b>1`;
    const { request } = await start((backend) => backend.messages.push(aMessage({ messageId: id })));
    const body = await (await request('/')).text();
    expect(body).toContain('href="/messages/m%22%3E%3Cb%3E1"');
    expect(body).not.toContain('<b>1');
    const page = await request(`/messages/${encodeURIComponent(id)}`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('m&quot;&gt;&lt;b&gt;1');
  });

  it('places email HTML only inside a sandboxed iframe srcdoc, never in the page itself', async () => {
    // Arrange
    const emailHtml = `<p class="x">Hi</p><script>parent.document.title="owned"</script><img src=x onerror="alert(1)">`;
    const { request } = await start((backend) =>
      backend.messages.push(
        aMessage({
          channel: 'email',
          to: 'anna@example.se',
          rendered: {
            channel: 'email',
            subject: 'Your renewal',
            text: 'Hi Anna, plain text.',
            html: emailHtml,
          },
        }),
      ),
    );

    // Act
    const response = await request('/messages/msg-1');
    const body = await response.text();

    // Assert
    const iframes = body.match(/<iframe\b[^>]*>/g) ?? [];
    expect(iframes).toHaveLength(1);
    const iframe = iframes[0] ?? '';
    expect(iframe).toContain('sandbox=""');
    expect(iframe).not.toMatch(/allow-/);
    const srcdoc = /srcdoc="([^"]*)"/.exec(iframe)?.[1] ?? '';
    expect(srcdoc).toBe(
      '&lt;p class=&quot;x&quot;&gt;Hi&lt;/p&gt;&lt;script&gt;parent.document.title=&quot;owned&quot;&lt;/script&gt;&lt;img src=x onerror=&quot;alert(1)&quot;&gt;',
    );
    // Outside the srcdoc attribute, none of the template's markup exists, escaped or not.
    const outside = body.replace(srcdoc, '');
    expect(outside).not.toContain('parent.document');
    expect(outside).not.toContain('onerror');
    expect(body).toContain('Your renewal');
    expect(body).toContain('Hi Anna, plain text.');
    expectOnlyOwnScript(response, body);
  });
});

describe('outbox', () => {
  it('lists messages newest first with masked contacts, rule, status, text, encoding and segments', async () => {
    // Arrange
    const { request } = await start((backend) => {
      backend.messages.push(aMessage({ messageId: 'old', createdAt: '2026-11-24T08:00:00Z' }));
      backend.messages.push(
        aMessage({
          messageId: 'new',
          createdAt: '2026-11-24T09:00:00Z',
          channel: 'email',
          to: 'anna@example.se',
          status: 'sent',
          rendered: { channel: 'email', subject: 'Vi har fått ditt mejl', text: 't', html: '<p>h</p>' },
        }),
      );
    });

    // Act
    const body = await (await request('/')).text();

    // Assert
    expect(body.indexOf('data-message-id="new"')).toBeLessThan(body.indexOf('data-message-id="old"'));
    expect(body).toContain('+467******67');
    expect(body).toContain('a***@e***.se');
    expect(body).not.toContain('+46701234567');
    expect(body).not.toContain('anna@example.se');
    expect(body).toContain('GSM-7 · 1 segment');
    expect(body).toContain('Vi har fått ditt mejl');
    expect(body).toContain('data-status="delivered"');
    // Customer time: 09:05 UTC is 10:05 in Stockholm.
    expect(body).toContain('2026-11-24 10:05');
    expect(body).toContain('data-live');
  });

  it('pages with the cursor', async () => {
    const { request } = await start((backend) => {
      for (let i = 0; i < 30; i++) {
        backend.messages.push(
          aMessage({
            messageId: `m-${String(i).padStart(2, '0')}`,
            createdAt: `2026-11-24T08:${String(i).padStart(2, '0')}:00Z`,
          }),
        );
      }
    });
    const first = await (await request('/')).text();
    expect(first).toContain('data-message-id="m-29"');
    expect(first).not.toContain('data-message-id="m-04"');
    const next = /href="(\/\?cursor=[^"]+)" rel="next"/.exec(first)?.[1];
    expect(next).toBe('/?cursor=c25');
    const second = await (await request(next ?? '')).text();
    expect(second).toContain('data-message-id="m-04"');
    expect(second).toContain('← Newest');
    expect(second).not.toContain('rel="next"');
  });
});

describe('message page', () => {
  it('shows the SMS as a bubble with encoding and segments, the history with reasons and the trigger event', async () => {
    const { request } = await start((backend) =>
      backend.messages.push(
        aMessage({ rendered: { channel: 'sms', text: 'Hej Anna 😀', encoding: 'UCS-2', segments: 2 } }),
      ),
    );
    const body = await (await request('/messages/msg-1')).text();
    expect(body).toContain('<div class="bubble sms-text">Hej Anna 😀</div>');
    expect(body).toContain('UCS-2');
    expect(body).toContain('2 segments');
    expect(body).toContain('provider-callback');
    expect(body).toContain('twilio: delivered');
    expect(body).toContain('&quot;callbackAt&quot;: &quot;2026-11-24T14:20:00+01:00&quot;');
    // The event is shown with its contact fields masked, like every address on screen.
    expect(body).toContain('&quot;phone&quot;: &quot;+467******67&quot;');
    expect(body).not.toContain('+46701234567');
    expect(body).toContain('href="/rules#rule-callback-booked"');
  });

  it('explains a scheduled message that is not rendered yet', async () => {
    const { request } = await start((backend) =>
      backend.messages.push(aMessage({ status: 'scheduled', rendered: undefined, history: [] })),
    );
    const body = await (await request('/messages/msg-1')).text();
    expect(body).toContain('Not rendered yet');
    expect(body).toContain('No status changes recorded.');
  });
});

describe('customer timeline', () => {
  it("merges messages with their status changes, replies and consent changes, newest first, in the viewer's zone", async () => {
    // Arrange
    const { request } = await start((backend) => {
      backend.profiles.set(
        'cust-anna',
        aProfile({ consent: { sms: { granted: false, at: '2026-11-24T09:07:00Z', source: 'reply:SM9' } } }),
      );
      backend.messages.push(aMessage());
      backend.messages.push(
        aMessage({
          messageId: 'msg-2',
          ruleId: 'callback-late',
          status: 'suppressed',
          rendered: undefined,
          history: [
            {
              at: '2026-11-24T09:08:00Z',
              status: 'suppressed',
              reason: 'opted-out',
              detail: 'sms: customer opted out',
            },
          ],
        }),
      );
      backend.replies.push({
        replyId: 'r1',
        receivedAt: '2026-11-24T09:07:00Z',
        from: '+46701234567',
        body: 'STOPP',
        intent: 'stop',
        customerId: 'cust-anna',
        messageId: 'msg-1',
        ruleId: 'callback-booked',
      });
    });

    // Act
    const body = await (await request('/customers/cust-anna?tz=Europe/Stockholm')).text();

    // Assert: the consent change and the reply (09:07), then the two messages (09:05:01).
    const kinds = [...body.matchAll(/<li data-kind="(\w+)">/g)].map((match) => match[1]);
    expect(kinds).toEqual(['consent', 'reply', 'message', 'message']);
    expect(body).toContain('The customer opted out of the channel: sms: customer opted out');
    expect(body).toContain('intent stop');
    expect(body).toContain('withdrawn');
    expect(body).toContain('via reply:SM9');
    expect(body).toContain('+467******67');
    expect(body).toContain('a***@e***.se');
    expect(body).toContain('Times in Europe/Stockholm');
    expect(body).toContain('title="2026-11-24 09:05:01 UTC">2026-11-24 10:05:01 CET<');
  });

  it('lists customers with their last-seen time in their own zone', async () => {
    const { request } = await start((backend) => backend.profiles.set('cust-anna', aProfile()));
    const body = await (await request('/customers')).text();
    expect(body).toContain('href="/customers/cust-anna"');
    expect(body).toContain('2026-11-24 10:05');
    expect(body).toContain('Europe/Stockholm');
  });
});

describe('rules page', () => {
  it('shows issues in red with file:line', async () => {
    const { request } = await start((backend) => {
      backend.issues = ['rules/bad.yaml:4 send: expected a duration'];
    });
    const body = await (await request('/rules')).text();
    expect(body).toContain(
      '<ul class="issues"><li><code>rules/bad.yaml:4 send: expected a duration</code></li></ul>',
    );
  });

  it('says all rules are valid, with counts, suppression reasons and the next planned sends', async () => {
    const { request } = await start((backend) => {
      backend.profiles.set('cust-anna', aProfile());
      backend.consoleRules.push(
        aConsoleRule({
          counts: { delivered: 3, suppressed: 2 },
          suppressedBy: { 'quiet-hours': 2 },
          nextPlanned: [{ messageId: 'msg-9', customerId: 'cust-anna', sendAt: '2026-11-24T11:00:00Z' }],
        }),
        aConsoleRule({ id: 'renewal-reminder', enabled: false, urgent: true }),
      );
    });
    const body = await (await request('/rules')).text();
    expect(body).toContain('All 2 rules valid.');
    expect(body).toContain('CallbackBooked → sms, immediately, cancel on CallbackCompleted');
    expect(body).toMatch(/data-status="delivered">delivered<\/span> 3/);
    expect(body).toContain('quiet-hours</span> 2');
    expect(body).toContain('href="/messages/msg-9"');
    expect(body).toContain('2026-11-24 12:00 CET');
    expect(body).toContain('in 1 h 50 min');
    expect(body).toContain('disabled');
    expect(body).toContain('urgent');
    // Each rule links to its effect page (goals, holdout, lift).
    expect(body).toContain('href="/rules/renewal-reminder/effect"');
  });
});

describe('try it forms', () => {
  it('prefills the event from the samples and a sample chosen by ?sample=', async () => {
    const { request } = await start();
    const first = await (await request('/try')).text();
    expect(first).toContain('ev-sample-cb');
    const second = await (await request('/try?sample=1')).text();
    expect(second).toMatch(/<textarea[^>]*>[^<]*ev-sample-em/);
  });

  it('sends a test event and reports on the page what it did, with the rendered text and links', async () => {
    const { postForm, request, backend } = await start();
    const response = await postForm('/try/events', { event: JSON.stringify(backend.sampleEvents[0]?.event) });
    expect(response.status).toBe(303);
    expect(response.headers.get('location')).toBe('/try/report?event=ev-sample-cb&customer=cust-anna');
    const report = await (await request('/try/report?event=ev-sample-cb&customer=cust-anna')).text();
    expect(report).toContain('data-state="evaluated"');
    expect(report).toContain('Rules matched: callback-booked.');
    expect(report).toContain('<tr data-message-id="msg-fake-1" data-decision="scheduled">');
    expect(report).toContain('Hej Anna! Vi har tagit emot ditt ärende (CallbackBooked).');
    expect(report).toContain('href="/customers/cust-anna"');
    const waiting = await (await request('/try/report?event=ev-never&customer=cust-anna')).text();
    expect(waiting).toContain('data-state="waiting"');
  });

  it('POST /api/try sends the event and answers what it did; an event no rule matched says so', async () => {
    const { request, backend } = await start();
    backend.archivedEvents.push({
      event: {
        id: 'ev-quiet',
        source: 'acme',
        'detail-type': 'NewsletterOpened',
        time: backend.now,
        detail: {},
      },
      at: backend.now,
      receivedAt: backend.now,
      customerId: 'cust-quiet',
    });
    const sent = await request('/api/try', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(backend.sampleEvents[0]?.event),
    });
    const quiet = await request('/api/try/ev-quiet?customer=cust-quiet');

    expect(sent.status).toBe(200);
    expect(await sent.json()).toMatchObject({
      eventId: 'ev-sample-cb',
      customerId: 'cust-anna',
      state: 'evaluated',
      matched: ['callback-booked'],
      decisions: [
        { messageId: 'msg-fake-1', ruleId: 'callback-booked', decision: 'scheduled', status: 'sent' },
      ],
      closed: [],
      timeline: '/customers/cust-anna',
    });
    expect(await quiet.json()).toEqual({
      eventId: 'ev-quiet',
      customerId: 'cust-quiet',
      state: 'evaluated',
      matched: [],
      decisions: [],
      closed: [],
      timeline: '/customers/cust-quiet',
    });
  });

  it('shows bad JSON and backend rejections on the form, keeping what was typed (escaped)', async () => {
    const { postForm } = await start();
    const bad = await postForm('/try/events', { event: '{"id": <b>' });
    expect(bad.status).toBe(400);
    const badBody = await bad.text();
    expect(badBody).toContain('the event is not valid JSON');
    expect(badBody).toContain('{&quot;id&quot;: &lt;b&gt;</textarea>');
    const rejected = await postForm('/try/events', { event: '{"source":"x"}' });
    expect(rejected.status).toBe(422);
    expect(await rejected.text()).toContain('event 1: detail-type: required');
  });

  it('replies as the customer with a quick button, and names what is missing', async () => {
    const { postForm, backend } = await startOpen((fake) => {
      fake.capturedMessages.push({
        providerId: 'SM1',
        channel: 'sms',
        to: '+46701234567',
        at: fake.now,
        summary: 'Hej',
        status: 'sent',
      });
      fake.messages.push(aMessage({ providerId: 'SM1' }));
    });
    const ok = await postForm('/try/replies', { from: '+46701234567', body: '', quick: 'STOPP' });
    expect(ok.status).toBe(303);
    expect(ok.headers.get('location')).toBe('/try?replied=1');
    expect(backend.sentReplies).toEqual([{ from: '+46701234567', body: 'STOPP' }]);
    const missing = await postForm('/try/replies', { from: '', body: 'YES' });
    expect(missing.status).toBe(400);
    expect(await missing.text()).toContain('`from` is required');
    const unknown = await postForm('/try/replies', { from: '+4670000000', body: 'YES' });
    expect(unknown.status).toBe(422);
    expect(await unknown.text()).toContain('no SMS was sent to +4670000000');
  });

  it('refuses a form post from another site', async () => {
    const { request } = await start();
    const response = await request('/try/events', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: 'https://evil.example' },
      body: 'event=%7B%7D',
    });
    expect(response.status).toBe(403);
  });

  it('shows the phone and the inbox the sandboxes captured', async () => {
    const { request } = await startOpen((fake) => {
      fake.capturedMessages.push(
        {
          providerId: 'SM1',
          channel: 'sms',
          to: '+46701234567',
          at: fake.now,
          summary: 'Hej Anna',
          status: 'delivered',
        },
        {
          providerId: 'SG1',
          channel: 'email',
          to: 'emily@example.com',
          at: fake.now,
          summary: 'We got your email',
          status: 'sent',
        },
      );
    });
    const body = await (await request('/try')).text();
    expect(body).toMatch(/captured-sms">.*Hej Anna/s);
    expect(body).toMatch(/captured-email">.*We got your email/s);
    // The open local console's user holds every role, privacy too: contact data unmasked.
    expect(body).toContain('emily@example.com');
    expect(body).toContain('value="+46701234567"');
  });
});

describe('failures', () => {
  it('answers a failing backend with a plain 500 page and reports the error', async () => {
    const h = await start((backend) => {
      backend.failReadsWith = new Error('store down for +46701234567');
    });
    const response = await h.request('/');
    expect(response.status).toBe(500);
    const body = await response.text();
    expect(body).toContain('internal error');
    expect(body).not.toContain('store down');
    expect(body).not.toMatch(/at .*\.ts:\d+/);
    expect(h.errors).toHaveLength(1);
  });
});
