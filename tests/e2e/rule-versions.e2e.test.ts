import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DateTime } from 'luxon';
import { afterAll, describe, expect, it } from 'vitest';
import { publishRules, rollbackRules, ruleHistory } from '../../cli/commands/rules-versions.command.ts';
import { startLocalRuntime } from '../../local/runtime/local-runtime.ts';
import {
  capture,
  orderPlaced,
  project,
  removeProjects,
  sentFor,
  targetOf,
} from '../support/runtime-rule-sets.ts';

// Rule sets are data: `npm start` runs the active version from DynamoDB Local, an edit of the
// files publishes a new one, the CLI's publish and rollback move the pointer, and the runtime
// picks a move up within its cache period (30 s on the runtime's own clock, which the test
// holds still and moves). Fixture projects of their own, never the shipped rules/.

/** Monday 10:00 UTC: inside every send window. */
const START = DateTime.fromISO('2026-12-07T10:00:00Z', { zone: 'utc' });
afterAll(removeProjects);

function rule(id: string, send: string): string {
  return `id: ${id}
description: The ${id} message of the fixture.
on:
  source: [acme.orders]
  detail-type: [OrderPlaced]
send: ${send}
window: always
channels: [sms]
template: ${id}
`;
}

async function until<T>(probe: () => Promise<T>, accept: (value: T) => boolean): Promise<T> {
  for (let attempt = 0; attempt < 100; attempt++) {
    const value = await probe();
    if (accept(value)) return value;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return probe();
}

describe('rule-set versions on npm start (DynamoDB Local)', () => {
  it('an edited template is published as a new version, the next message carries it; a rollback is picked up within the cache period', async () => {
    const dir = project({
      'rules/order-thanks.yaml': rule('order-thanks', 'immediately'),
      'templates/order-thanks/en.sms.liquid': 'Thanks for order {{ detail.orderId }}.\n',
      'nudge.config.yaml': 'defaults:\n  locale: en\n  timeZone: Europe/Stockholm\n',
    });
    const logged: string[] = [];
    const runtime = await startLocalRuntime({
      projectDir: dir,
      log: (line) => logged.push(line),
      demo: false,
      watch: true,
      speed: 0,
      clockStart: START,
      ports: { console: 0, events: 0 },
    });
    try {
      await runtime.evaluate(orderPlaced(runtime, 'O-1'));
      await runtime.settle();
      expect(await sentFor(runtime, 'O-1')).toMatchObject({
        body: 'Thanks for order O-1.',
        ruleSetVersion: 1,
      });

      writeFileSync(
        join(dir, 'templates/order-thanks/en.sms.liquid'),
        'We got order {{ detail.orderId }}!\n',
      );
      // Published, and the runtime moved onto it (its own publish forces a pointer read).
      await until(
        async () => logged.join('\n'),
        (text) => text.includes('version 2 active'),
      );
      expect((await runtime.stores.ruleSets.active())?.version).toBe(2);
      await runtime.evaluate(orderPlaced(runtime, 'O-2'));
      await runtime.settle();
      expect(await sentFor(runtime, 'O-2')).toMatchObject({ body: 'We got order O-2!', ruleSetVersion: 2 });

      const io = capture();
      const code = await rollbackRules(
        undefined,
        { yes: true, as: 'tester', message: 'old text' },
        targetOf(runtime),
        io,
      );
      expect(code).toBe(0);
      expect((await runtime.stores.ruleSets.active())?.version).toBe(1);

      // Inside the cache period the runtime still runs version 2 (no pointer read per event)…
      runtime.clock.advance({ seconds: 29 });
      await runtime.evaluate(orderPlaced(runtime, 'O-3'));
      await runtime.settle();
      expect(await sentFor(runtime, 'O-3')).toMatchObject({ body: 'We got order O-3!', ruleSetVersion: 2 });
      // …and once it is over, the rolled-back version: the old text again.
      runtime.clock.advance({ seconds: 1 });
      await runtime.evaluate(orderPlaced(runtime, 'O-4'));
      await runtime.settle();
      expect(await sentFor(runtime, 'O-4')).toMatchObject({
        body: 'Thanks for order O-4.',
        ruleSetVersion: 1,
      });

      // The console shows the active version, and on each message the version it was planned under.
      const rulesHtml = await (await fetch(`${runtime.urls.console}/rules`)).text();
      expect(rulesHtml).toMatch(/Active rule-set version 1, published by tester/);
      const [o2] = (await runtime.stores.queries.customerTimeline('cust-O-2', 1)).messages;
      const messageHtml = await (await fetch(`${runtime.urls.console}/messages/${o2?.messageId}`)).text();
      expect(messageHtml).toMatch(/<dt>Rule set<\/dt><dd>version 2<\/dd>/);

      const history = capture();
      await ruleHistory(runtime.stores.ruleSets, 10, history);
      expect(history.text()).toMatch(/#3 \S+ rollback 2 → 1 by tester: old text/);
      expect(history.text()).toMatch(/#2 \S+ publish 1 → 2 by local runtime/);
    } finally {
      await runtime.stop();
    }
  }, 120_000);

  it('pending messages under version N when N+1 is active: a deleted rule suppresses (rule-removed), a changed template renders the new text', async () => {
    const dir = project({
      'rules/order-review.yaml': rule('order-review', '{ after: PT1H }'),
      'rules/order-survey.yaml': rule('order-survey', '{ after: PT1H }'),
      'templates/order-review/en.sms.liquid': 'Review order {{ detail.orderId }}, please.\n',
      'templates/order-survey/en.sms.liquid': 'Survey about order {{ detail.orderId }}.\n',
      'nudge.config.yaml': 'defaults:\n  locale: en\n  timeZone: Europe/Stockholm\n',
    });
    const runtime = await startLocalRuntime({
      projectDir: dir,
      demo: false,
      watch: false,
      speed: 0,
      clockStart: START,
      ports: { console: 0, events: 0 },
    });
    try {
      await runtime.evaluate(orderPlaced(runtime, 'P-1'));
      const planned = (await runtime.stores.queries.customerTimeline('cust-P-1', 10)).messages;
      expect(
        planned.map((message) => [message.ruleId, message.status, message.ruleSetVersion]).sort(),
      ).toEqual([
        ['order-review', 'scheduled', 1],
        ['order-survey', 'scheduled', 1],
      ]);

      // A broken edit is refused with its location, and nothing changes.
      const survey = join(dir, 'rules/order-survey.yaml');
      writeFileSync(survey, readFileSync(survey, 'utf8').replace('after: PT1H', 'after: soon'));
      const paths = {
        rules: join(dir, 'rules'),
        templates: join(dir, 'templates'),
        config: join(dir, 'nudge.config.yaml'),
      };
      const refused = capture();
      expect(await publishRules({ ...paths, yes: true, as: 'ops' }, targetOf(runtime), refused)).toBe(1);
      expect(refused.text()).toMatch(/order-survey\.yaml:\d+.*send\.after/);
      expect((await runtime.stores.ruleSets.active())?.version).toBe(1);

      // Version 2: the survey rule deleted, the review template reworded.
      rmSync(survey);
      writeFileSync(
        join(dir, 'templates/order-review/en.sms.liquid'),
        'How was order {{ detail.orderId }}?\n',
      );
      const published = capture();
      expect(
        await publishRules(
          { ...paths, yes: true, as: 'ops', message: 'drop survey' },
          targetOf(runtime),
          published,
        ),
      ).toBe(0);
      expect(published.text()).toContain('- order-survey');
      expect(published.text()).toContain('- Review order {{ detail.orderId }}, please.');
      expect(published.text()).toContain('+ How was order {{ detail.orderId }}?');

      runtime.clock.advance({ hours: 1 });
      await runtime.settle();

      const after = new Map(
        (await runtime.stores.queries.customerTimeline('cust-P-1', 10)).messages.map((message) => [
          message.ruleId,
          message,
        ]),
      );
      expect(after.get('order-survey')).toMatchObject({ status: 'suppressed', reason: 'rule-removed' });
      expect(after.get('order-review')?.status).toMatch(/sent|delivered/);
      expect(runtime.twilio.messages().map((message) => message.body)).toEqual(['How was order P-1?']);
    } finally {
      await runtime.stop();
    }
  }, 120_000);
});
