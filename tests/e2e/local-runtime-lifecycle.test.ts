import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as z from 'zod';
import { startLocalRuntime } from '../../local/runtime/local-runtime.ts';

// What a developer relies on between edits and restarts: rules reload on save (a broken edit is
// reported and the last good set keeps running), and local data and pending reminders survive
// a restart. A fixture project of its own, so the shipped rules/ can change freely.
let project: string;

const FIXTURE: Record<string, string> = {
  'rules/appointment-reminder.yaml': `id: appointment-reminder
description: Remind the customer 24 hours before an appointment.
on:
  source: [acme.bookings]
  detail-type: [AppointmentBooked]
send:
  at:
    field: detail.appointmentAt
    offset: -PT24H
channels: [sms]
template: appointment-reminder
`,
  'rules/satisfaction-survey.yaml': `id: satisfaction-survey
description: Ask how it went an hour after a case closes.
on:
  source: [acme.cases]
  detail-type: [CaseClosed]
send:
  after: PT1H
channels: [sms]
template: satisfaction-survey
`,
  'templates/appointment-reminder/en.sms.liquid': 'Reminder: {{ detail.appointmentId }} tomorrow.\n',
  'templates/satisfaction-survey/en.sms.liquid': 'How did we do with {{ detail.caseId }}?\n',
  'nudge.config.yaml': 'defaults:\n  locale: en\n  timeZone: Europe/Stockholm\n',
};

beforeAll(() => {
  project = mkdtempSync(join(tmpdir(), 'nudge-project-'));
  mkdirSync(join(project, 'examples', 'events'), { recursive: true });
  for (const [file, text] of Object.entries(FIXTURE)) {
    mkdirSync(join(project, file, '..'), { recursive: true });
    writeFileSync(join(project, file), text);
  }
});
afterAll(() => rmSync(project, { recursive: true, force: true }));

const RulesApi = z.object({
  valid: z.boolean(),
  issues: z.array(z.string()),
  rules: z.array(z.object({ id: z.string() })),
});

async function rulesApi(consoleUrl: string) {
  return RulesApi.parse(await (await fetch(`${consoleUrl}/api/rules`)).json());
}

async function until<T>(probe: () => Promise<T>, accept: (value: T) => boolean): Promise<T> {
  for (let attempt = 0; attempt < 100; attempt++) {
    const value = await probe();
    if (accept(value)) return value;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return probe();
}

describe('local runtime lifecycle', () => {
  it('reloads rules on every kind of save; a broken edit is reported with file:line and the last good set keeps running', async () => {
    const runtime = await startLocalRuntime({
      projectDir: project,
      demo: false,
      watch: true,
      ports: { console: 0, events: 0 },
    });
    const ids = async () => (await rulesApi(runtime.urls.console)).rules.map((rule) => rule.id).sort();
    const reloadedWith = async (id: string) => {
      const rules = await until(
        () => rulesApi(runtime.urls.console),
        (seen) => seen.issues.length === 0 && seen.rules.some((rule) => rule.id === id),
      );
      expect(rules.rules.map((rule) => rule.id)).toContain(id);
      return rules;
    };
    try {
      const file = join(project, 'rules', 'satisfaction-survey.yaml');
      const good = readFileSync(file, 'utf8');
      expect(await ids()).toEqual(['appointment-reminder', 'satisfaction-survey']);

      // A broken in-place write: reported, and the last good set keeps running.
      writeFileSync(file, good.replace('after: PT1H', 'after: one hour'));
      const broken = await until(
        () => rulesApi(runtime.urls.console),
        (rules) => rules.issues.length > 0,
      );
      expect(broken.issues).toEqual([
        expect.stringMatching(/satisfaction-survey\.yaml:7 send\.after: expected an ISO-8601 duration/),
      ]);
      expect(broken.rules.map((rule) => rule.id)).toContain('satisfaction-survey'); // still running

      // sed -i (a rename-style save) fixes it and renames the rule: the error clears.
      await promisify(execFile)('sed', [
        '-i',
        's/one hour/PT1H/; s/^id: satisfaction-survey$/id: survey-v2/',
        file,
      ]);
      expect((await reloadedWith('survey-v2')).issues).toEqual([]);

      // A vim-style save (temporary file renamed over), then normal writes: every one is seen.
      writeFileSync(`${file}.tmp`, good.replace('id: satisfaction-survey', 'id: survey-v3'));
      renameSync(`${file}.tmp`, file);
      await reloadedWith('survey-v3');
      writeFileSync(file, good.replace('id: satisfaction-survey', 'id: survey-v4'));
      await reloadedWith('survey-v4');
      writeFileSync(file, good);
      await reloadedWith('satisfaction-survey');
      expect(await ids()).toEqual(['appointment-reminder', 'satisfaction-survey']);
    } finally {
      await runtime.stop();
    }
  }, 90_000); // each kind of save waited for in turn: ~17 s alone, over 30 s on a loaded machine

  it('keeps data in the data folder across a restart and gives pending reminders back to the scheduler', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'nudge-data-'));
    try {
      const first = await startLocalRuntime({
        projectDir: project,
        dataDir,
        demo: false,
        watch: false,
        ports: { console: 0, events: 0 },
      });
      const bus = new EventBridgeClient({
        endpoint: first.urls.events,
        region: 'eu-north-1',
        credentials: { accessKeyId: 'a', secretAccessKey: 'b' },
      });
      await bus.send(
        new PutEventsCommand({
          Entries: [
            {
              Source: 'acme.bookings',
              DetailType: 'AppointmentBooked',
              Detail: JSON.stringify({
                appointmentId: 'A-restart',
                location: 'Klinik',
                appointmentAt: new Date(Date.now() + 3 * 86_400_000).toISOString(),
                customer: {
                  id: 'cust-restart',
                  phone: '+46701230000',
                  locale: 'sv',
                  timeZone: 'Europe/Stockholm',
                },
              }),
            },
          ],
        }),
      );
      const [planned] = (await first.stores.queries.customerTimeline('cust-restart', 10)).messages;
      expect(planned?.status).toBe('scheduled');
      await first.stop();

      const second = await startLocalRuntime({
        projectDir: project,
        dataDir,
        demo: false,
        watch: false,
        ports: { console: 0, events: 0 },
      });
      try {
        expect((await second.stores.messages.getMessage(planned?.messageId ?? ''))?.status).toBe('scheduled');
        expect(second.pendingSends().map((pending) => pending.messageId)).toContain(planned?.messageId);
      } finally {
        await second.stop();
      }
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
