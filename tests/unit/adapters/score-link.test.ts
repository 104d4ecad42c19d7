import { describe, expect, it } from 'vitest';
import { signScoreToken, verifyScoreToken } from '../../../functions/adapters/links/score-link.ts';
import {
  signUnsubscribeToken,
  verifyUnsubscribeToken,
} from '../../../functions/adapters/links/unsubscribe-link.ts';

const key = 'score-link-unit-test-signing-key-of-40-chars';
const now = 1_800_000_000;

describe('score link tokens', () => {
  it('verify back to what was signed, until 14 days later', () => {
    const token = signScoreToken(
      { address: ' Lina@Example.com ', messageId: 'm-1', score: 4 },
      { key, nowEpochSeconds: now },
    );
    expect(verifyScoreToken(token, { key, nowEpochSeconds: now + 14 * 86_400 - 1 })).toEqual({
      ok: true,
      claims: { address: 'lina@example.com', messageId: 'm-1', score: 4, expiresAt: now + 14 * 86_400 },
    });
    expect(verifyScoreToken(token, { key, nowEpochSeconds: now + 14 * 86_400 })).toEqual({
      ok: false,
      why: 'expired',
    });
  });

  it('a token of the other purpose, or under another key, is forged; junk is malformed', () => {
    const score = signScoreToken(
      { address: 'a@b.se', messageId: 'm-1', score: 5 },
      { key, nowEpochSeconds: now },
    );
    const unsubscribe = signUnsubscribeToken(
      { address: 'a@b.se', messageId: 'm-1' },
      { key, nowEpochSeconds: now },
    );
    expect(verifyScoreToken(unsubscribe, { key, nowEpochSeconds: now })).toEqual({
      ok: false,
      why: 'forged',
    });
    expect(verifyUnsubscribeToken(score, { key, nowEpochSeconds: now })).toEqual({
      ok: false,
      why: 'forged',
    });
    expect(verifyScoreToken(score, { key: `${key}x`, nowEpochSeconds: now })).toEqual({
      ok: false,
      why: 'forged',
    });
    expect(verifyScoreToken('not-a-token', { key, nowEpochSeconds: now })).toEqual({
      ok: false,
      why: 'malformed',
    });
  });

  it('refuses to sign a score outside 1–5', () => {
    expect(() =>
      signScoreToken({ address: 'a@b.se', messageId: 'm-1', score: 6 }, { key, nowEpochSeconds: now }),
    ).toThrow();
  });
});
