import { randomBytes } from 'node:crypto';
import type { ControllableClock } from '../../functions/adapters/scheduler/local-send-scheduler.ts';
import { createSendGridMail } from '../../functions/adapters/sendgrid/sendgrid-client.ts';
import { SendGridEmailSender } from '../../functions/adapters/sendgrid/sendgrid-email-sender.ts';
import { createTwilioClient } from '../../functions/adapters/twilio/twilio-client.ts';
import { TwilioSmsSender } from '../../functions/adapters/twilio/twilio-sms-sender.ts';
import { startSendGridSandbox, startTwilioSandbox } from '../sandboxes/index.ts';
import type { LiveCredentials } from './live-credentials.ts';
import { localUnsubscribeSigningKey } from './unsubscribe-signing-key.ts';

/** The number the sandbox sends from. */
export const SANDBOX_SENDER = '+46766861004';

/** The credentials the sandboxes accept and the unsubscribe links are signed with. */
interface ProviderKeys {
  accountSid: string;
  authToken: string;
  apiKey: string;
  unsubscribeSigningKey: string;
}

/**
 * Picks the sandboxes' credentials (given, or random per start) and the unsubscribe signing key,
 * and adds every secret among them (and the live ones) to `secrets`, which the log redacts.
 */
export function providerKeys(
  options: {
    sandboxCredentials?: { twilioAccountSid: string; twilioAuthToken: string; sendgridApiKey: string };
    live?: LiveCredentials;
    unsubscribeSigningKey?: string;
    dataDir?: string;
  },
  secrets: string[],
): ProviderKeys {
  const accountSid = options.sandboxCredentials?.twilioAccountSid ?? `AC${randomBytes(16).toString('hex')}`;
  const authToken = options.sandboxCredentials?.twilioAuthToken ?? randomBytes(16).toString('hex');
  const apiKey = options.sandboxCredentials?.sendgridApiKey ?? `SG.${randomBytes(16).toString('hex')}`;
  const live = options.live;
  for (const [sid, token] of [
    [accountSid, authToken],
    ...(live === undefined ? [] : [[live.twilio.accountSid, live.twilio.authToken]]),
  ]) {
    if (sid === undefined || token === undefined) continue;
    secrets.push(token, Buffer.from(`${sid}:${token}`).toString('base64'));
  }
  secrets.push(apiKey, ...(live === undefined ? [] : [live.sendgrid.apiKey]));
  const unsubscribeSigningKey = options.unsubscribeSigningKey ?? localUnsubscribeSigningKey(options.dataDir);
  secrets.push(unsubscribeSigningKey);
  return { accountSid, authToken, apiKey, unsubscribeSigningKey };
}

/** The Twilio sandbox, then the SendGrid one, both reporting to the webhook server. */
export async function startSandboxes(
  keys: ProviderKeys,
  providerReports: 'auto' | 'manual',
  webhooksUrl: string,
  clock: ControllableClock,
  stops: Array<() => Promise<void>>,
) {
  const twilio = await startTwilioSandbox({
    accountSid: keys.accountSid,
    authToken: keys.authToken,
    inboundWebhookUrl: `${webhooksUrl}/webhooks/twilio/inbound`,
    statusCallbackDelayMs: 50,
    statusCallbacks: providerReports,
    // Providers' timestamps (and SendGrid's signed ones) follow the virtual clock.
    now: () => clock.now().toJSDate(),
  });
  stops.push(() => twilio.stop());
  const sendgrid = await startSendGridSandbox({
    apiKey: keys.apiKey,
    eventWebhookUrl: `${webhooksUrl}/webhooks/sendgrid/events`,
    eventDelayMs: 50,
    events: providerReports,
    now: () => clock.now().toJSDate(),
  });
  stops.push(() => sendgrid.stop());
  return { twilio, sendgrid };
}

/** The channel senders: through the sandboxes, or the real Twilio and SendGrid with `--live`. */
export function buildSenders(args: {
  keys: ProviderKeys;
  live: LiveCredentials | undefined;
  providerTimeoutMs: number | undefined;
  urls: { twilio: string; sendgrid: string; webhooks: string };
  unsubscribeLinkDays: number;
  clock: ControllableClock;
}) {
  const { keys, live, urls } = args;
  const timeoutMs = args.providerTimeoutMs ?? 5000;
  const sms = new TwilioSmsSender({
    client: createTwilioClient(
      live === undefined
        ? { accountSid: keys.accountSid, authToken: keys.authToken, apiBaseUrl: urls.twilio, timeoutMs }
        : { accountSid: live.twilio.accountSid, authToken: live.twilio.authToken, timeoutMs: 10_000 },
    ),
    ...(live === undefined
      ? { from: SANDBOX_SENDER, statusCallbackBaseUrl: urls.webhooks }
      : live.twilio.messagingServiceSid === undefined
        ? { from: live.twilio.from ?? SANDBOX_SENDER }
        : { messagingServiceSid: live.twilio.messagingServiceSid }),
  });
  const email = new SendGridEmailSender({
    mail:
      live === undefined
        ? createSendGridMail({ apiKey: keys.apiKey, apiBaseUrl: urls.sendgrid, timeoutMs })
        : createSendGridMail({ apiKey: live.sendgrid.apiKey, timeoutMs: 10_000 }),
    from:
      live === undefined ? { email: 'nudge@acme.example', name: 'Acme' } : { email: live.sendgrid.fromEmail },
    // One-click unsubscribe links point at the local webhook server. Not in --live mail: a link
    // to this machine's loopback means nothing in a real mailbox.
    ...(live === undefined
      ? {
          unsubscribe: {
            baseUrl: urls.webhooks,
            signingKey: keys.unsubscribeSigningKey,
            ttlDays: args.unsubscribeLinkDays,
            nowEpochSeconds: () => Math.floor(args.clock.now().toSeconds()),
          },
        }
      : {}),
  });
  return { sms, email };
}
