/**
 * Provider sandboxes: loopback HTTP servers that speak Twilio's Messages API and SendGrid's v3
 * mail/send closely enough for the real SDKs, keep every message, fail on command and post signed
 * webhooks. Used by the integration tests and by the local runtime.
 */
import {
  type SendGridSandbox,
  type SendGridSandboxOptions,
  startSendGridSandbox,
} from './sendgrid-sandbox.ts';
import { startTwilioSandbox, type TwilioSandbox, type TwilioSandboxOptions } from './twilio-sandbox.ts';

export type { FaultDecision } from './sandbox-faults.ts';
export { SandboxFaults } from './sandbox-faults.ts';
export type { SendGridSandbox } from './sendgrid-sandbox.ts';
export { startSendGridSandbox } from './sendgrid-sandbox.ts';
export { segmentSms } from './sms-segments.ts';
export type { TwilioSandbox } from './twilio-sandbox.ts';
export { computeTwilioSignature, startTwilioSandbox } from './twilio-sandbox.ts';

export {
  type RecordedWebhook,
  startWebhookRecorder,
  type WebhookRecorder,
} from './webhook-recorder.ts';

/** Options of {@link startProviderSandboxes}: one entry per provider to start. */
interface ProviderSandboxesOptions {
  readonly twilio: TwilioSandboxOptions;
  readonly sendgrid: SendGridSandboxOptions;
}

/** Both sandboxes, stopped together. */
interface ProviderSandboxes {
  readonly twilio: TwilioSandbox;
  readonly sendgrid: SendGridSandbox;
  stop(): Promise<void>;
}

/** Start the Twilio and SendGrid sandboxes together (what the local runtime needs). */
async function _startProviderSandboxes(options: ProviderSandboxesOptions): Promise<ProviderSandboxes> {
  const twilio = await startTwilioSandbox(options.twilio);
  let sendgrid: SendGridSandbox;
  try {
    sendgrid = await startSendGridSandbox(options.sendgrid);
  } catch (error) {
    await twilio.stop();
    throw error;
  }
  return {
    twilio,
    sendgrid,
    stop: async () => {
      await Promise.all([twilio.stop(), sendgrid.stop()]);
    },
  };
}
