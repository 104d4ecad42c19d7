import type { SecretsProvider } from '@aws-lambda-powertools/parameters/secrets';
import * as z from 'zod';

/** The Twilio secret's JSON (Secrets Manager), as docs/deploy.md tells operators to set it. */
export const TwilioSecretSchema = z
  .object({
    accountSid: z
      .string()
      .regex(/^AC[0-9a-fA-F]{32}$/, { message: 'expected an Account SID: AC + 32 hex digits' }),
    authToken: z.string().min(16),
    from: z.string().min(3).optional(),
    messagingServiceSid: z
      .string()
      .regex(/^MG[0-9a-fA-F]{32}$/)
      .optional(),
  })
  .refine((secret) => secret.from !== undefined || secret.messagingServiceSid !== undefined, {
    message: 'set from (a number or sender id) or messagingServiceSid',
  });
export type TwilioSecret = z.infer<typeof TwilioSecretSchema>;

/** The SendGrid secret's JSON. */
export const SendGridSecretSchema = z.object({
  apiKey: z.string().startsWith('SG.', { message: 'expected an API key starting SG.' }),
  webhookPublicKey: z.string().min(40).describe('Mail Settings → Signed Event Webhook → verification key'),
  fromEmail: z.email(),
  fromName: z.string().optional(),
});
export type SendGridSecret = z.infer<typeof SendGridSecretSchema>;

/** Cache secrets for five minutes: rotation is picked up quickly without a call per message. */
export const SECRET_MAX_AGE_SECONDS = 300;

/**
 * Reads and validates a provider secret through Powertools parameters (cached). A malformed
 * secret fails with the field names that are wrong and never with a value.
 */
export async function readProviderSecret<T>(
  provider: SecretsProvider,
  arn: string,
  schema: z.ZodType<T>,
  what: string,
): Promise<T> {
  const value: unknown = await provider.get(arn, { maxAge: SECRET_MAX_AGE_SECONDS, transform: 'json' });
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    const fields = parsed.error.issues.map(
      (issue) => `${issue.path.join('.') || '(secret)'}: ${issue.message}`,
    );
    throw new Error(`${what} secret is invalid (${fields.join('; ')})`);
  }
  return parsed.data;
}
