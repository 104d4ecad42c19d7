import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as z from 'zod';
import { startLocalRuntime } from '../../local/runtime/local-runtime.ts';

// What a developer relies on between edits and restarts: rules reload on save (a broken edit is
// reported and the last good set keeps running), and local data and pending reminders survive
// a restart.
let project: string;

beforeAll(() => {
  project = mkdtempSync(join(tmpdir(), 'nudge-project-'));
  for (const part of ['rules', 'templates', 'examples', 'nudge.config.yaml'])
    cpSync(part, join(project, part), { recursive: true });
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
  it('reloads rules on save; a broken edit is reported with file:line and the last good set keeps running', async () => {
    const runtime = await startLocalRuntime({
      projectDir: project,
      demo: false,
      watch: true,
      ports: { console: 0, events: 0 },
    });
    try {
      const file = join(project, 'rules', 'satisfaction-survey.yaml');
      const good = readFileSync(file, 'utf8');
      expect((await rulesApi(runtime.urls.console)).rules).toHaveLength(8);

      writeFileSync(file, good.replace('after: PT1H', 'after: one hour'));
      const broken = await until(
        () => rulesApi(runtime.urls.console),
        (rules) => rules.issues.length > 0,
      );
      expect(broken.issues).toEqual([
        expect.stringMatching(/satisfaction-survey\.yaml:\d+ send\.after: expected an ISO-8601 duration/),
      ]);
      expect(broken.rules.map((rule) => rule.id)).toContain('satisfaction-survey'); // still running

      writeFileSync(file, good.replace('id: satisfaction-survey', 'id: satisfaction-survey-v2'));
      const fixed = await until(
        () => rulesApi(runtime.urls.console),
        (rules) =>
          rules.issues.length === 0 && rules.rules.some((rule) => rule.id === 'satisfaction-survey-v2'),
      );
      expect(fixed.rules.map((rule) => rule.id)).toContain('satisfaction-survey-v2');
      writeFileSync(file, good);
    } finally {
      await runtime.stop();
    }
  });

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
