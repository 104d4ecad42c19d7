import { describe, expect, it } from 'vitest';
import { type FaultDecision, SandboxFaults, segmentSms } from '../../../local/sandboxes/index.ts';
import { validateMailSend } from '../../../local/sandboxes/sendgrid-mail-validation.ts';

function kinds(faults: SandboxFaults, count: number): string {
  let pattern = '';
  for (let i = 0; i < count; i++) pattern += symbol(faults.decide());
  return pattern;
}

function symbol(decision: FaultDecision): string {
  switch (decision.kind) {
    case 'pass':
      return '.';
    case 'fail':
      return decision.cause === 'outage' ? 'O' : 'x';
    case 'hang':
      return 'h';
    case 'lose':
      return 'l';
  }
}

describe('SandboxFaults', () => {
  it('fails the same requests for the same seed, and about the asked fraction', () => {
    const a = new SandboxFaults().failRate({ rate: 0.25, seed: 2024 });
    const b = new SandboxFaults().failRate({ rate: 0.25, seed: 2024 });
    const c = new SandboxFaults().failRate({ rate: 0.25, seed: 2025 });

    const first = kinds(a, 2_000);

    expect(kinds(b, 2_000)).toBe(first);
    expect(kinds(c, 2_000)).not.toBe(first);
    const failures = first.split('x').length - 1;
    expect(failures / 2_000).toBeGreaterThan(0.22);
    expect(failures / 2_000).toBeLessThan(0.28);
    expect(a.counts()).toEqual({
      seen: 2_000,
      passed: 2_000 - failures,
      failed: failures,
      outage: 0,
      hung: 0,
      lost: 0,
    });
  });

  it('consumes scripted faults first in, first out, before the rate', () => {
    const faults = new SandboxFaults()
      .failRate({ rate: 1, seed: 1, failure: { status: 500 } })
      .failNext(2, { status: 429, retryAfterSeconds: 1 })
      .hangNext()
      .loseAnswerNext();

    const decisions = [faults.decide(), faults.decide(), faults.decide(), faults.decide(), faults.decide()];

    expect(decisions.map((d) => d.kind)).toEqual(['fail', 'fail', 'hang', 'lose', 'fail']);
    expect(decisions[0]).toMatchObject({ cause: 'scripted', failure: { status: 429, retryAfterSeconds: 1 } });
    expect(decisions[4]).toMatchObject({ cause: 'rate', failure: { status: 500 } });
    expect(faults.pending()).toBe(0);
  });

  it('answers with the outage failure for its duration, leaving the script untouched', () => {
    let now = 1_000_000;
    const faults = new SandboxFaults(() => now).failNext(1, { status: 500 });
    faults.outage({ durationMs: 30_000 });

    const during = kinds(faults, 3);
    now += 29_999;
    const stillDown = kinds(faults, 1);
    now += 1;
    const after = kinds(faults, 2);

    expect(during + stillDown).toBe('OOOO');
    expect(after).toBe('x.');
    expect(faults.inOutage()).toBe(false);
    expect(faults.counts()).toMatchObject({ seen: 6, outage: 4, failed: 1, passed: 1 });
  });

  it('reports latency on every answered request, and reset disarms everything but the counts', () => {
    const faults = new SandboxFaults().setLatency(25).failNext(1, { status: 503 });

    expect(faults.decide()).toMatchObject({ kind: 'fail', latencyMs: 25 });
    expect(faults.decide()).toEqual({ kind: 'pass', latencyMs: 25 });
    faults.failNext(3, { status: 500 }).reset();
    expect(faults.decide()).toEqual({ kind: 'pass', latencyMs: 0 });
    expect(faults.counts().seen).toBe(3);
    expect(faults.resetCounts().counts().seen).toBe(0);
  });

  it.each([
    ['a zero count', (f: SandboxFaults) => f.failNext(0, { status: 500 })],
    ['a non-error status', (f: SandboxFaults) => f.failNext(1, { status: 200 })],
    ['a rate above 1', (f: SandboxFaults) => f.failRate({ rate: 1.5, seed: 1 })],
    ['a fractional seed', (f: SandboxFaults) => f.failRate({ rate: 0.5, seed: 0.5 })],
    ['a negative latency', (f: SandboxFaults) => f.setLatency(-1)],
    ['an empty outage', (f: SandboxFaults) => f.outage({ durationMs: 0 })],
  ])('refuses %s', (_name, arm) => {
    expect(() => arm(new SandboxFaults())).toThrow(RangeError);
  });
});

describe('segmentSms', () => {
  it.each([
    ['a short GSM body', 'Hello', 'GSM-7', 1],
    ['160 GSM characters', 'a'.repeat(160), 'GSM-7', 1],
    ['161 GSM characters', 'a'.repeat(161), 'GSM-7', 2],
    ['extension characters counting double', '€'.repeat(81), 'GSM-7', 2],
    ['70 UCS-2 characters', 'é✓'.repeat(35), 'UCS-2', 1],
    ['71 UCS-2 characters', '✓'.repeat(71), 'UCS-2', 2],
  ])('%s', (_name, body, encoding, segments) => {
    expect(segmentSms(body)).toEqual({ encoding, segments });
  });
});

describe('validateMailSend', () => {
  const valid = {
    personalizations: [{ to: [{ email: 'ada@example.com' }], custom_args: { k: 'v' } }],
    from: { email: 'hello@nudge.example' },
    subject: 'Hi',
    content: [{ type: 'text/plain', value: 'Hello' }],
  };

  it('accepts a minimal valid body', () => {
    const result = validateMailSend(valid);

    expect(result).toMatchObject({
      ok: true,
      mail: { subject: 'Hi', personalizations: [{ customArgs: { k: 'v' } }] },
    });
  });

  it('accepts a template without subject or content', () => {
    const { subject: _subject, content: _content, ...rest } = valid;

    expect(validateMailSend({ ...rest, template_id: 'd-123' }).ok).toBe(true);
  });

  it.each([
    ['no personalizations', { ...valid, personalizations: [] }, 'personalizations'],
    [
      'a personalization without to',
      { ...valid, personalizations: [{ cc: [{ email: 'c@example.com' }] }] },
      'personalizations.0.to',
    ],
    [
      'an invalid bcc address',
      { ...valid, personalizations: [{ to: [{ email: 'a@example.com' }], bcc: [{ email: 'b' }] }] },
      'personalizations.0.bcc.0.email',
    ],
    ['no from', { ...valid, from: undefined }, 'from'],
    ['a non-string custom arg', { ...valid, custom_args: { n: 1 } }, 'custom_args.n'],
    ['no content', { ...valid, content: [] }, 'content'],
  ])('refuses %s', (_name, body, field) => {
    const result = validateMailSend(body);

    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors.map((e) => e.field)).toContain(field);
  });
});
