import { describe, expect, it } from 'vitest';
import type { ActivityEntry } from '../../../functions/app/ports/console-queries.ts';
import type { ArchivedEvent } from '../../../functions/app/ports/event-archive.ts';
import { customerPage } from '../../../functions/console/pages/customer-pages.ts';
import { aMessage, aProfile } from '../../support/fake-console-backend.ts';

function anEvent(id: string, type: string, at: string): ArchivedEvent {
  return {
    event: {
      id,
      source: 'acme.shop',
      'detail-type': type,
      time: at,
      detail: { customer: { id: 'cust-anna', phone: '+46701234567' } },
    },
    at,
    receivedAt: at,
    customerId: 'cust-anna',
  };
}

/** The text of the page without tags, spaces collapsed. */
function text(html: string): string {
  return html
    .replace(/<[^>]+>/g, ' ')
    .replace(/&#39;/g, "'")
    .replace(/\s+/g, ' ');
}

// An order event no rule matched (08:00 UTC); a callback event at 21:30 UTC that planned a
// reminder deferred by the window to 07:00 UTC next day (08:00 in Stockholm, Tue 8 Dec); a later
// event that closed the reminder.
const quiet = anEvent('ev-quiet', 'NewsletterOpened', '2026-12-07T08:00:00.000Z');
const booked = anEvent('ev-booked', 'CallbackBooked', '2026-12-07T21:30:00.000Z');
const cancelled = anEvent('ev-cancel', 'CallbackCancelled', '2026-12-07T21:40:00.000Z');
const reminder = aMessage({
  messageId: 'msg-rem',
  ruleId: 'callback-reminder',
  trigger: {
    id: 'ev-booked',
    source: 'acme.shop',
    detailType: 'CallbackBooked',
    time: booked.at,
    detail: {},
  },
  createdAt: booked.at,
  sendAt: '2026-12-08T07:00:00.000Z',
  status: 'cancelled',
  rendered: undefined,
  history: [
    {
      at: booked.at,
      status: 'scheduled',
      reason: 'outside-window',
      detail: 'deferred from 2026-12-07T21:30:00.000Z',
    },
    {
      at: cancelled.at,
      status: 'cancelled',
      reason: 'closed-by-event',
      detail: 'CallbackCancelled ev-cancel',
    },
  ],
});
const activity: ActivityEntry[] = [
  { kind: 'event', at: cancelled.at, event: cancelled, decisions: [] },
  { kind: 'message', at: booked.at, message: reminder },
  { kind: 'event', at: booked.at, event: booked, decisions: [reminder] },
  { kind: 'event', at: quiet.at, event: quiet, decisions: [] },
];

describe('customer timeline page', () => {
  it('shows every event newest first, the unmatched one as such, decisions with human reasons', () => {
    const page = customerPage({
      customerId: 'cust-anna',
      profile: aProfile({ consent: {} }),
      activity,
      viewerZone: 'Europe/Stockholm',
    }).toString();

    const kinds = [...page.matchAll(/<li data-kind="(\w+)">/g)].map((match) => match[1]);
    const events = [...page.matchAll(/<strong>(\w+)<\/strong>/g)].map((match) => match[1]);
    const shown = text(page);
    // The reminder is told under its event, not as a row of its own.
    expect(kinds).toEqual(['event', 'event', 'event']);
    expect(events).toEqual(['CallbackCancelled', 'CallbackBooked', 'NewsletterOpened']);
    expect(shown).toContain('Outside the send window; moved to 08:00 Tue 8 Dec');
    expect(shown).toContain('Closed by a later event: CallbackCancelled ev-cancel');
    expect(page.match(/data-decision="none"/g)).toHaveLength(1);
    expect(page.match(/data-decision="cancelled"/g)).toHaveLength(1);
    expect(shown).toMatch(/NewsletterOpened from acme\.shop .* no rule matched/);
  });

  it("writes times in the viewer's zone with the UTC instant on hover", () => {
    const page = customerPage({
      customerId: 'cust-anna',
      profile: undefined,
      activity,
      viewerZone: 'America/New_York',
    });

    // 2026-12-07 08:00 UTC is 03:00 EST in New York.
    expect(page.toString()).toContain('title="2026-12-07 08:00:00 UTC">2026-12-07 03:00:00 EST</time>');
  });

  it('falls back to UTC without a zone; links the older page with the zone and the bound', () => {
    const page = customerPage({
      customerId: 'cust-anna',
      profile: undefined,
      activity,
      nextCursor: 'c4',
    }).toString();

    expect(page).toContain('Times in UTC');
    expect(page).toContain('data-browser-zone');
    expect(page).toContain(
      'href="/customers/cust-anna?tz=UTC&amp;cursor=c4&amp;before=2026-12-07T08%3A00%3A00.000Z" rel="next"',
    );
  });

  it('places a consent change on the page whose bounds hold it', () => {
    const profile = aProfile({
      consent: { sms: { granted: false, at: '2026-12-07T07:00:00.000Z', source: 'reply:SM1' } },
    });

    const first = customerPage({ customerId: 'cust-anna', profile, activity, nextCursor: 'c4' }).toString();
    const second = customerPage({
      customerId: 'cust-anna',
      profile,
      activity: [],
      cursor: 'c4',
      before: quiet.at,
    }).toString();

    expect(first).not.toContain('sms consent withdrawn');
    expect(text(second)).toContain('sms consent withdrawn via reply:SM1');
  });
});
