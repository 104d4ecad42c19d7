// `nudge demo`: a compact line per decision, each time in the recipient's own zone, named.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { demoCommand } from '../../../cli/commands/demo.command.ts';

function project(): { events: string; rules: string; templates: string } {
  const dir = mkdtempSync(join(tmpdir(), 'nudge-demo-'));
  for (const sub of ['events', 'rules', 'templates/booked']) mkdirSync(join(dir, sub), { recursive: true });
  writeFileSync(
    join(dir, 'rules', 'booked.yaml'),
    'id: booked\ndescription: x\non: { source: [acme.bookings], detail-type: [Booked] }\nsend: immediately\nwindow: always\ndedupe: { key: "{{ detail.bookingId }}" }\nchannels: [sms]\ntemplate: booked\n',
  );
  writeFileSync(join(dir, 'templates', 'booked', 'en.sms.liquid'), 'Booked: {{ detail.bookingId }}\n');
  const event = (id: string, time: string, customer: Record<string, unknown>) =>
    JSON.stringify({
      version: '0',
      id,
      'detail-type': 'Booked',
      source: 'acme.bookings',
      account: '111122223333',
      time,
      region: 'eu-north-1',
      resources: [],
      detail: { bookingId: id, customer },
    });
  writeFileSync(
    join(dir, 'events', 'bookings.jsonl'),
    [
      event('B-1', '2026-11-23T15:00:00Z', {
        id: 'c-ny',
        phone: '+12125550100',
        timeZone: 'America/New_York',
      }),
      event('B-2', '2026-07-01T08:30:00Z', {
        id: 'c-sto',
        phone: '+46701234567',
        timeZone: 'Europe/Stockholm',
      }),
      '{ not json',
    ].join('\n'),
  );
  return { events: join(dir, 'events'), rules: join(dir, 'rules'), templates: join(dir, 'templates') };
}

describe('nudge demo', () => {
  it('prints each decision on one line with the local time and its zone, then totals', async () => {
    const output = await demoCommand(project());
    expect(output.exitCode).toBe(0);
    const lines = output.text.split('\n');
    // 15:00 UTC in November is 10:00 in New York (EST, UTC-5); 08:30 UTC in July is 10:30 in
    // Stockholm (CEST, UTC+2).
    expect(lines.find((line) => line.includes('c-ny'))).toMatch(
      /^ {2}Mon 23 Nov 2026 10:00 America\/New_York +sent +booked → c-ny +sms "Booked: B-1"$/,
    );
    expect(lines.find((line) => line.includes('c-sto'))).toMatch(
      /^ {2}Wed 1 Jul 2026 10:30 Europe\/Stockholm +sent +booked → c-sto +sms "Booked: B-2"$/,
    );
    expect(lines.find((line) => line.includes('rejected'))).toMatch(
      /^ {2}\w{3} 1 Jul 2026 08:30 UTC +rejected +\(input\) +line 3: not valid JSON/,
    );
    expect(output.text).toContain(
      '1 journeys: 2 sent, 0 pending, 0 held back, 0 cancelled, 1 input line(s) rejected.',
    );
  });
});
