import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DateTime } from 'luxon';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalRuntime, startLocalRuntime } from '../../local/runtime/local-runtime.ts';

// One-click score links in a survey email, through the real parts: the template renders the
// links, the SendGrid sender signs them, the SendGrid sandbox captures the email, and the test
// opens the links over HTTP on the local runtime's webhook server, as a mail client would.
const START = DateTime.fromISO('2026-11-24T09:00:00Z', { zone: 'utc' });

let runtime: LocalRuntime;
let projectDir: string;

beforeAll(async () => {
  projectDir = mkdtempSync(join(tmpdir(), 'nudge-survey-links-'));
  mkdirSync(join(projectDir, 'rules'));
  mkdirSync(join(projectDir, 'templates', 'visit-survey'), { recursive: true });
  writeFileSync(
    join(projectDir, 'rules', 'visit-survey.yaml'),
    [
      'id: visit-survey',
      'description: How was the visit? (fixture)',
      'on:',
      '  source: [acme.contact-centre]',
      '  detail-type: [VisitEnded]',
      'send: immediately',
      'window: always',
      'urgent: true',
      'channels: [email]',
      'template: visit-survey',
      'replies:',
      '  expect: score',
      '',
    ].join('\n'),
  );
  writeFileSync(
    join(projectDir, 'templates', 'visit-survey', 'en.email.liquid'),
    'subject: How was your visit?\n--- text\nScore us:\n{% for link in survey.scoreLinks %}{{ link.score }}: {{ link.url }}\n{% endfor %}',
  );
  writeFileSync(join(projectDir, 'nudge.config.yaml'), JSON.stringify({ defaults: { locale: 'en' } }));
  runtime = await startLocalRuntime({
    projectDir,
    demo: false,
    watch: false,
    speed: 0,
    clockStart: START,
    ports: { console: 0, events: 0 },
  });
}, 120_000);

afterAll(async () => {
  await runtime?.stop();
  if (projectDir !== undefined) rmSync(projectDir, { recursive: true, force: true });
});

async function visit(customerId: string, email: string): Promise<void> {
  await runtime.evaluate({
    version: '0',
    id: `ev-visit-${customerId}`,
    'detail-type': 'VisitEnded',
    source: 'acme.contact-centre',
    account: '111122223333',
    time: runtime.clock.now().toISO(),
    region: 'eu-north-1',
    resources: [],
    detail: { customer: { id: customerId, email, locale: 'en', timeZone: 'Europe/Stockholm' } },
  });
  await runtime.drain();
}

/** The email the sandbox captured for `address`: its text, its score links by score, its unsubscribe URL. */
function emailTo(address: string) {
  const email = runtime.sendgrid
    .messages()
    .find((sent) => sent.recipients.some((recipient) => recipient.email === address));
  const request = JSON.stringify(email?.request ?? {});
  const content: Array<{ type: string; value: string }> = JSON.parse(request).content ?? [];
  const headers: Record<string, string> = JSON.parse(request).headers ?? {};
  const text = content.find((part) => part.type === 'text/plain')?.value ?? '';
  const links = new Map<number, string>();
  for (const match of text.matchAll(/^([1-5]): (http\S+)$/gm)) links.set(Number(match[1]), match[2] ?? '');
  const unsubscribe = (headers['List-Unsubscribe'] ?? '').replace(/^<|>$/g, '');
  return { text, links, unsubscribe, messageId: email?.recipients[0]?.customArgs.messageId };
}

async function open(url: string, method: 'GET' | 'POST') {
  const response = await fetch(url, { method, redirect: 'manual' });
  return { status: response.status, body: await response.text() };
}

const answers = () => runtime.outcomes().filter((event) => event['detail-type'] === 'SurveyAnswered');

describe('one-click score links in a survey email', () => {
  it('GET only shows the choice; POST records it once; later clicks are "already recorded"', async () => {
    await visit('cust-l1', 'lina@example.com');
    const mail = emailTo('lina@example.com');
    expect([...mail.links.keys()]).toEqual([1, 2, 3, 4, 5]);
    expect(mail.text).not.toContain('%%');

    const shown = await open(mail.links.get(4) ?? '', 'GET');
    expect(shown.status).toBe(200);
    expect(shown.body).toContain('4 of 5');
    expect(shown.body).toContain('<form method="post"');
    expect(answers()).toHaveLength(0); // a scanner's prefetch records nothing

    const posted = await open(mail.links.get(4) ?? '', 'POST');
    const again = await open(mail.links.get(2) ?? '', 'POST');
    const replayed = await open(mail.links.get(4) ?? '', 'POST');

    expect(posted.status).toBe(200);
    expect(posted.body).toContain('recorded');
    expect([again.body, replayed.body].every((body) => body.includes('already recorded'))).toBe(true);
    expect(answers().map((event) => event.detail)).toEqual([
      expect.objectContaining({
        ruleId: 'visit-survey',
        messageId: mail.messageId,
        customerId: 'cust-l1',
        score: 4,
        channel: 'email',
      }),
    ]);
    const timeline = await runtime.stores.queries.customerTimeline('cust-l1', 50);
    expect(timeline.replies).toEqual([
      expect.objectContaining({ messageId: mail.messageId, ruleId: 'visit-survey', score: 4 }),
    ]);
  });

  it('a tampered, expired or wrong-purpose link is refused with 4xx and records nothing', async () => {
    await visit('cust-l2', 'olli@example.com');
    const mail = emailTo('olli@example.com');
    const five = new URL(mail.links.get(5) ?? '');
    const token = five.searchParams.get('t') ?? '';
    const [body = '', signature = ''] = token.split('.');
    // Claims a score of 1 under the signature of the 5.
    const claims = JSON.parse(Buffer.from(body, 'base64url').toString('utf8'));
    const forgedBody = Buffer.from(JSON.stringify({ ...claims, s: 1 }), 'utf8').toString('base64url');
    const forged = new URL(five);
    forged.searchParams.set('t', `${forgedBody}.${signature}`);
    // The email's own unsubscribe token, presented as a score; and a score token at /unsubscribe.
    const unsubscribeToken = new URL(mail.unsubscribe).searchParams.get('t') ?? '';
    const asScore = new URL(five);
    asScore.searchParams.set('t', unsubscribeToken);
    const asUnsubscribe = new URL(mail.unsubscribe);
    asUnsubscribe.searchParams.set('t', token);
    const before = answers().length;

    const results = [
      await open(forged.href, 'POST'),
      await open(asScore.href, 'POST'),
      await open(asUnsubscribe.href, 'POST'),
    ];
    runtime.clock.set(START.plus({ days: 15 }));
    const expired = await open(five.href, 'POST');

    expect(results.map((result) => result.status)).toEqual([403, 403, 403]);
    expect(expired.status).toBe(403);
    expect(expired.body).toContain('expired');
    expect(answers().length).toBe(before);
    expect((await runtime.stores.queries.customerTimeline('cust-l2', 50)).replies).toEqual([]);
    expect(await runtime.stores.suppressions.get('email', 'olli@example.com')).toBeUndefined();
  });
});
