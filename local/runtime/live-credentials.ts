import { existsSync, readFileSync } from 'node:fs';
import * as z from 'zod';
import {
  SendGridSecretSchema,
  TwilioSecretSchema,
} from '../../functions/adapters/secrets/provider-secrets.ts';

/** Real provider credentials for `npm start -- --live`. */
export interface LiveCredentials {
  twilio: z.infer<typeof TwilioSecretSchema>;
  sendgrid: z.infer<typeof SendGridSecretSchema>;
}

const FileSchema = z.object({ twilio: TwilioSecretSchema, sendgrid: SendGridSecretSchema });

/**
 * Reads real credentials from the environment (NUDGE_TWILIO_ACCOUNT_SID, NUDGE_TWILIO_AUTH_TOKEN,
 * NUDGE_TWILIO_FROM, NUDGE_SENDGRID_API_KEY, NUDGE_SENDGRID_WEBHOOK_PUBLIC_KEY,
 * NUDGE_SENDGRID_FROM_EMAIL) or from the git-ignored `nudge.secrets.json` (same JSON as the
 * Secrets Manager secrets, under `twilio` and `sendgrid`). Errors name fields, never values.
 */
export function readLiveCredentials(
  env: NodeJS.ProcessEnv,
  file: string,
): { ok: true; credentials: LiveCredentials } | { ok: false; error: string } {
  const fromEnv = {
    twilio: {
      accountSid: env.NUDGE_TWILIO_ACCOUNT_SID,
      authToken: env.NUDGE_TWILIO_AUTH_TOKEN,
      from: env.NUDGE_TWILIO_FROM,
      messagingServiceSid: env.NUDGE_TWILIO_MESSAGING_SERVICE_SID,
    },
    sendgrid: {
      apiKey: env.NUDGE_SENDGRID_API_KEY,
      webhookPublicKey: env.NUDGE_SENDGRID_WEBHOOK_PUBLIC_KEY,
      fromEmail: env.NUDGE_SENDGRID_FROM_EMAIL,
      fromName: env.NUDGE_SENDGRID_FROM_NAME,
    },
  };
  const useEnv = env.NUDGE_TWILIO_ACCOUNT_SID !== undefined || env.NUDGE_SENDGRID_API_KEY !== undefined;
  let input: unknown = fromEnv;
  let where = 'environment (NUDGE_TWILIO_*, NUDGE_SENDGRID_*)';
  if (!useEnv) {
    if (!existsSync(file)) {
      return {
        ok: false,
        error: `--live needs credentials: set NUDGE_TWILIO_* and NUDGE_SENDGRID_* or write ${file}`,
      };
    }
    where = file;
    try {
      input = JSON.parse(readFileSync(file, 'utf8'));
    } catch {
      return { ok: false, error: `${file} is not valid JSON` };
    }
  }
  const parsed = FileSchema.safeParse(input);
  if (!parsed.success) {
    const fields = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ');
    return { ok: false, error: `credentials in ${where} are invalid (${fields})` };
  }
  return { ok: true, credentials: parsed.data };
}
