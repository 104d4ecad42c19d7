import { describe, expect, it } from 'vitest';
import { analyzeSms } from '../../../functions/core/messages/sms-encoding.ts';
import { decideSend, type RenderFn } from '../../../functions/core/planning/decide.ts';
import { MAX_SNAPSHOT_BYTES, trimDetail } from '../../../functions/core/planning/trigger-snapshot.ts';
import { aProfile, aRule, at, settings } from '../../support/factories.ts';

const NOW = at('2026-11-23T09:00:00Z');

function smsOf(text: string): RenderFn {
  const { encoding, segments } = analyzeSms(text);
  return () => ({ ok: true, locale: 'sv', message: { channel: 'sms', text, encoding, segments } });
}

function emailOf(text: string): RenderFn {
  return () => ({
    ok: true,
    locale: 'sv',
    message: { channel: 'email', subject: 'Ärende', text, html: `<p>${text}</p>` },
  });
}

function decide(channel: 'sms' | 'email', render: RenderFn) {
  return decideSend({
    rule: aRule({ channels: [channel] }),
    profile: aProfile(),
    settings: settings(),
    now: NOW,
    sentInCapPeriod: 0,
    render,
  });
}

/** UTF-8 bytes, counted by Node's Buffer (not the TextEncoder the code uses). */
function bytes(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}

describe('the size limit on a rendered message', () => {
  it('an SMS of 10 segments goes out; of 11 it is held back as too-large', () => {
    // 153 GSM-7 characters a segment once the text is split (GSM 03.38 concatenation header).
    const ten = 'a'.repeat(153 * 10);
    const eleven = 'a'.repeat(153 * 10 + 1);

    expect(decide('sms', smsOf(ten))).toMatchObject({ kind: 'send' });
    expect(decide('sms', smsOf(eleven))).toEqual({
      kind: 'suppress',
      reason: 'too-large',
      detail: 'sms: 11 segments exceed the limit of 10',
    });
  });

  it('an email of 200 KB (subject, text and HTML) goes out; one byte more is too-large', () => {
    // Subject 'Ärende' is 7 bytes; the HTML wraps the text in <p>…</p> (7 bytes).
    const fits = (200 * 1024 - 7 - 7) / 2;
    const atLimit = 'x'.repeat(fits);
    expect(bytes('Ärende') + bytes(atLimit) + bytes(`<p>${atLimit}</p>`)).toBe(200 * 1024);

    expect(decide('email', emailOf(atLimit))).toMatchObject({ kind: 'send' });
    expect(decide('email', emailOf(`${atLimit}é`))).toMatchObject({ kind: 'suppress', reason: 'too-large' });
  });
});

describe('trimDetail: the trigger snapshot a message record keeps', () => {
  it('keeps a detail under the bound whole', () => {
    const detail = { customer: { id: 'c-1' }, notes: 'n'.repeat(1000) };

    expect(trimDetail(detail)).toEqual({ detail, trimmed: [] });
  });

  it('leaves out the large value and keeps everything else a template may quote', () => {
    const detail = {
      customer: { id: 'c-1', firstName: 'Anna' },
      caseId: 'C-17',
      attachments: [{ name: 'a.pdf', content: 'A'.repeat(140_000) }],
      notes: 'Anteckning. '.repeat(1_000),
    };

    const { detail: kept, trimmed } = trimDetail(detail);

    expect(trimmed).toEqual(['detail.attachments.0.content']);
    expect(kept).toEqual({
      customer: { id: 'c-1', firstName: 'Anna' },
      caseId: 'C-17',
      attachments: [{ name: 'a.pdf' }],
      notes: detail.notes,
    });
    expect(bytes(JSON.stringify(kept))).toBeLessThanOrEqual(MAX_SNAPSHOT_BYTES);
    expect(detail.attachments[0]?.content).toHaveLength(140_000); // the input is not changed
  });

  it('many small values: whole top-level fields go, largest first, until it fits', () => {
    const detail = {
      customer: { id: 'c-1' },
      readings: Array.from({ length: 10_000 }, (_, index) => index), // ≈ 48 KB of JSON
      tags: Array.from({ length: 5_000 }, (_, index) => `t${index}`), // ≈ 38 KB of JSON
    };

    const { detail: kept, trimmed } = trimDetail(detail);

    expect(trimmed).toEqual(['detail.readings']);
    expect(kept).toEqual({ customer: { id: 'c-1' }, tags: detail.tags });
    expect(bytes(JSON.stringify(kept))).toBeLessThanOrEqual(MAX_SNAPSHOT_BYTES);
  });
});
