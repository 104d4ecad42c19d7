import { describe, expect, it } from 'vitest';
import { messageIdFor } from '../../../functions/core/ids.ts';

describe('messageIdFor', () => {
  it('is m- and the first 32 hex digits of SHA-256 over rule id, NUL, occurrence', () => {
    // Arrange: the digest worked out outside Node: printf 'bt-confirm\0bt-7' | sha256sum
    const expected = 'm-28664c477f880f0290e2d5e23fc3ca8e';

    // Act
    const id = messageIdFor('bt-confirm', 'bt-7');

    // Assert
    expect(id).toBe(expected);
  });
});
