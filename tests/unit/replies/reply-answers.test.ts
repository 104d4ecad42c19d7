import { describe, expect, it } from 'vitest';
import { EngineSettingsSchema } from '../../../functions/core/config/engine-settings.ts';
import { RepliesSettingsSchema } from '../../../functions/core/replies/replies-settings.ts';
import { DEFAULT_REPLIES, replyAnswer } from '../../../functions/core/replies/reply-answers.ts';

const replies = (yaml: Record<string, unknown> = {}) => EngineSettingsSchema.parse({ replies: yaml }).replies;

describe('answers to HELP, STOP and START', () => {
  it('answers with the schema’s defaults when the settings name none', () => {
    expect(DEFAULT_REPLIES).toEqual(RepliesSettingsSchema.parse({}));
    expect(DEFAULT_REPLIES).toEqual(EngineSettingsSchema.parse({}).replies);
  });

  const acme = replies({ sender: 'Acme' });

  it('confirms a STOP from a Swedish number in Swedish, with the sender named', () => {
    expect(replyAnswer('stop', { from: '+46701234567', defaultLocale: 'en' }, acme)).toEqual({
      intent: 'stop',
      locale: 'sv',
      text: 'Du får inga fler meddelanden från Acme. Svara START för att prenumerera igen.',
    });
  });

  it('answers in the language of the number: Danish, Norwegian, Finnish; else the default locale', () => {
    const localeFor = (from: string, defaultLocale = 'en') =>
      replyAnswer('stop', { from, defaultLocale }, acme)?.locale;
    expect(localeFor('+4520123456')).toBe('da');
    expect(localeFor('+4791234567')).toBe('no');
    expect(localeFor('+358401234567')).toBe('fi');
    expect(localeFor('+447700900123')).toBe('en');
    expect(localeFor('+447700900123', 'sv')).toBe('sv');
    expect(localeFor('+14155550100', 'de')).toBe('en'); // no German answer: English
  });

  it("prefers the correlated customer's locale to the number's country", () => {
    expect(
      replyAnswer('start', { from: '+46701234567', customerLocale: 'en-GB', defaultLocale: 'sv' }, acme),
    ).toEqual({
      intent: 'start',
      locale: 'en',
      text: 'You will get messages from Acme again. Reply STOP to opt out, HELP for help.',
    });
    expect(
      replyAnswer('help', { from: '+46701234567', customerLocale: 'nb-NO', defaultLocale: 'en' }, acme)
        ?.locale,
    ).toBe('no');
    // A customer locale with no answer falls back to the number's country.
    expect(
      replyAnswer('help', { from: '+4520123456', customerLocale: 'de', defaultLocale: 'en' }, acme)?.locale,
    ).toBe('da');
  });

  it('uses configured texts per locale over the shipped ones, and keeps the shipped ones elsewhere', () => {
    const configured = replies({
      sender: 'Nudge Insurance',
      contact: '08-123 456 00',
      help: { sv: 'Nudge Försäkring. Frågor: {contact}. Svara STOPP för att avsluta.' },
      stop: { en: 'Done: no more texts from {sender}.' },
    });
    const from = '+46701234567';
    expect(replyAnswer('help', { from, defaultLocale: 'en' }, configured)?.text).toBe(
      'Nudge Försäkring. Frågor: 08-123 456 00. Svara STOPP för att avsluta.',
    );
    expect(replyAnswer('stop', { from, customerLocale: 'en', defaultLocale: 'en' }, configured)?.text).toBe(
      'Done: no more texts from Nudge Insurance.',
    );
    // A shipped HELP text has no {contact}: the contact is added at its end.
    expect(replyAnswer('help', { from: '+4520123456', defaultLocale: 'en' }, configured)?.text).toBe(
      'Nudge Insurance: påmindelser og besked om dine bookinger og forsikringer. Svar STOP for at afmelde, START for at tilmelde igen. 08-123 456 00',
    );
  });

  it('answers nothing to YES, NO or free text, and nothing at all when Twilio answers keywords', () => {
    const context = { from: '+46701234567', defaultLocale: 'en' };
    for (const intent of ['yes', 'no', undefined] as const)
      expect(replyAnswer(intent, context, acme)).toBeUndefined();
    const twilioAnswers = replies({ answer: 'twilio' });
    for (const intent of ['help', 'stop', 'start'] as const)
      expect(replyAnswer(intent, context, twilioAnswers)).toBeUndefined();
  });

  it('refuses answer settings Twilio could not send, naming where they are', () => {
    const parsed = EngineSettingsSchema.safeParse({
      replies: {
        answer: 'carrier',
        stop: { sv: '' },
        help: { Swedish: 'Hej' },
        start: { en: 'x'.repeat(1601) },
      },
    });
    expect(parsed.error?.issues.map((issue) => issue.path.join('.')).sort()).toEqual([
      'replies.answer',
      'replies.help.Swedish',
      'replies.start.en',
      'replies.stop.sv',
    ]);
  });
});
