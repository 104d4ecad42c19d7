import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { KNOWN_REASONS } from '../../../functions/app/ports/metrics.ts';
import { hasReasonLabel, reasonLabel } from '../../../functions/console/reason-labels.ts';
import { SUPPRESSION_REASONS } from '../../../functions/core/customers/suppression-address.ts';
import { SUPPRESS_REASONS } from '../../../functions/core/planning/decide.ts';

const ROOT = join(import.meta.dirname, '../../..');

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sources(path);
    return path.endsWith('.ts') ? [path] : [];
  });
}

/**
 * Every kebab-case code the engine writes as a reason, read from its source: `reason: 'x'`,
 * `reason = 'x'`, unions `reason: 'x' | 'y'` in functions/core and functions/app, and the
 * providers' receipt codes `code: 'x'` in the channel senders.
 */
function codesInSource(): Set<string> {
  const codes = new Set<string>();
  const quoted = /'([a-z0-9-]+)'/g;
  const collect = (text: string, pattern: RegExp) => {
    for (const match of text.matchAll(pattern)) {
      for (const code of (match[1] ?? '').matchAll(quoted)) codes.add(code[1] ?? '');
    }
  };
  for (const file of [...sources(join(ROOT, 'functions/core')), ...sources(join(ROOT, 'functions/app'))]) {
    collect(readFileSync(file, 'utf8'), /reason\??\s*[:=]\s*('[a-z0-9-]+'(?:\s*\|\s*'[a-z0-9-]+')*)/g);
  }
  for (const file of sources(join(ROOT, 'functions/adapters')).filter((path) =>
    path.endsWith('-sender.ts'),
  )) {
    collect(readFileSync(file, 'utf8'), /code\s*:\s*('[a-z0-9-]+')/g);
  }
  return codes;
}

describe('reason labels', () => {
  test('every reason code the engine has has its own sentence', () => {
    const fromSource = codesInSource();
    const all = new Set([...SUPPRESS_REASONS, ...SUPPRESSION_REASONS, ...KNOWN_REASONS, ...fromSource]);

    const unlabelled = [...all].filter((code) => !hasReasonLabel(code));

    // The scan found the codes written inline (not only the exported lists).
    expect(fromSource).toContain('closed-by-event');
    expect(fromSource).toContain('late');
    expect(fromSource).toContain('score-link');
    expect(unlabelled).toEqual([]);
  });

  test('a label is a sentence, not the code', () => {
    for (const code of [...SUPPRESS_REASONS, ...SUPPRESSION_REASONS, ...KNOWN_REASONS]) {
      const label = reasonLabel(code);
      expect(label).not.toBe(code);
      expect(label).toMatch(/^[A-Z]/);
    }
  });

  test('a deferral by the planner says where the message moved to, in the given zone', () => {
    // 2026-12-08 07:00 UTC is 08:00 in Stockholm (CET, UTC+1), a Tuesday.
    const label = reasonLabel('outside-window', {
      detail: 'deferred from 2026-12-07T22:30:00.000Z',
      sendAt: '2026-12-08T07:00:00.000Z',
      zone: 'Europe/Stockholm',
    });

    expect(label).toBe('Outside the send window; moved to 08:00 Tue 8 Dec');
  });

  test('a deferral by the send step reads the new time from its detail; UTC when the zone is unknown', () => {
    const label = reasonLabel('outside-window', {
      detail: 'deferred to 2026-12-08T07:00:00.000Z',
      zone: 'Mars/Base',
    });

    expect(label).toBe('Outside the send window; moved to 07:00 Tue 8 Dec UTC');
  });

  test('a dropped message outside the window says so, with the detail', () => {
    const label = reasonLabel('outside-window', { detail: 'due outside 08:00-20:00 (Europe/Stockholm)' });

    expect(label).toBe(
      'Outside the send window; not sent, as the rule drops such messages: due outside 08:00-20:00 (Europe/Stockholm)',
    );
  });

  test('parameters come with the sentence; provider refusals name the provider and code', () => {
    expect(reasonLabel('frequency-cap', { detail: '3 sent within P1D; cap is 3' })).toBe(
      "The customer's frequency cap was reached: 3 sent within P1D; cap is 3",
    );
    expect(reasonLabel('twilio-21606')).toBe('Twilio refused the message (error 21606)');
    expect(reasonLabel('delivered: 550 mailbox full')).toBe('delivered: 550 mailbox full');
  });
});
