// The functions' environment: read once at cold start, defaults filled in, and a malformed variable
// named with zod's usual message (the schema is built with zod's lighter entry, zod/mini).
import { describe, expect, it } from 'vitest';
import { need, readEnvironment } from '../../../functions/handlers/lambda-environment.ts';

describe('readEnvironment', () => {
  it('fills in the defaults and ignores variables it does not know', () => {
    // Arrange
    const env = { PATH: '/bin', NUDGE_TABLE_NAME: 'nudge' };

    // Act
    const read = readEnvironment(env);

    // Assert
    expect(read).toEqual({
      NUDGE_TABLE_NAME: 'nudge',
      NUDGE_RETENTION_DAYS: 400,
      NUDGE_SEND_CONCURRENCY: 1,
      NUDGE_TWILIO_SENDER_MPS: {},
      NUDGE_SEND_RATE_MAX_WAIT_MS: 15_000,
      NUDGE_OIDC_GROUPS_CLAIM: 'cognito:groups',
    });
  });

  it('coerces numbers and reads the sender rates as JSON', () => {
    const read = readEnvironment({
      NUDGE_RETENTION_DAYS: '1e2',
      NUDGE_SEND_CONCURRENCY: ' 7 ',
      NUDGE_SEND_RATE_MAX_WAIT_MS: '0x10',
      NUDGE_TWILIO_SENDER_MPS: '{"+46766861004": 1.5}',
      NUDGE_WEBHOOK_BASE_URL: 'https://webhooks.example.com',
    });

    expect(read).toMatchObject({
      NUDGE_RETENTION_DAYS: 100,
      NUDGE_SEND_CONCURRENCY: 7,
      NUDGE_SEND_RATE_MAX_WAIT_MS: 16,
      NUDGE_TWILIO_SENDER_MPS: { '+46766861004': 1.5 },
      NUDGE_WEBHOOK_BASE_URL: 'https://webhooks.example.com',
    });
  });

  it('names every malformed variable in one error, with zod’s messages', () => {
    const env = {
      NUDGE_TABLE_NAME: 'ab',
      NUDGE_SEND_QUEUE_URL: 'not a url',
      NUDGE_TWILIO_SECRET_ARN: 'x',
      NUDGE_RETENTION_DAYS: '0',
      NUDGE_SEND_CONCURRENCY: '1.5',
      NUDGE_TWILIO_SENDER_MPS: '{"a":-1}',
      NUDGE_SEND_RATE_MAX_WAIT_MS: 'abc',
      NUDGE_OIDC_CLIENT_ID: '',
      NUDGE_OIDC_GROUPS_CLAIM: '',
    };

    expect(() => readEnvironment(env)).toThrow(
      'Nudge configuration is invalid: NUDGE_TABLE_NAME: Too small: expected string to have >=3 characters; ' +
        'NUDGE_SEND_QUEUE_URL: Invalid URL; NUDGE_TWILIO_SECRET_ARN: Invalid string: must start with "arn:"; ' +
        'NUDGE_RETENTION_DAYS: Too small: expected number to be >=1; ' +
        'NUDGE_SEND_CONCURRENCY: Invalid input: expected int, received number; ' +
        'NUDGE_TWILIO_SENDER_MPS: expected {"<sender>": segments per second}; ' +
        'NUDGE_SEND_RATE_MAX_WAIT_MS: Invalid input: expected number, received NaN; ' +
        'NUDGE_OIDC_CLIENT_ID: Too small: expected string to have >=1 characters; ' +
        'NUDGE_OIDC_GROUPS_CLAIM: Too small: expected string to have >=1 characters',
    );
    expect(() => readEnvironment({ NUDGE_RETENTION_DAYS: '4000', NUDGE_OIDC_ISSUER: 'https://' })).toThrow(
      'Nudge configuration is invalid: NUDGE_RETENTION_DAYS: Too big: expected number to be <=3650; NUDGE_OIDC_ISSUER: Invalid URL',
    );
    expect(() => readEnvironment({ NUDGE_TWILIO_SENDER_MPS: '[1]' })).toThrow(
      'NUDGE_TWILIO_SENDER_MPS: expected {"<sender>": segments per second}',
    );
  });

  it('need() refuses a variable that is not set', () => {
    const read = readEnvironment({});

    expect(() => need(read, 'NUDGE_TABLE_NAME')).toThrow(
      'Nudge configuration is invalid: NUDGE_TABLE_NAME is not set',
    );
  });
});
