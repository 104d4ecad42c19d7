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

export type {
  FailRateOptions,
  FaultCounts,
  FaultDecision,
  OutageOptions,
  SandboxFailure,
} from './sandbox-faults.ts';
export { SandboxFaults } from './sandbox-faults.ts';
export type {
  EmailOutcome,
  SandboxAddress,
  SandboxEmail,
  SandboxEmailRecipient,
  SandboxPersonalization,
  SendGridErrorItem,
  SendGridEvent,
  SendGridSandbox,
  SendGridSandboxOptions,
} from './sendgrid-sandbox.ts';
export {
  SENDGRID_SIGNATURE_HEADER,
  SENDGRID_TIMESTAMP_HEADER,
  startSendGridSandbox,
} from './sendgrid-sandbox.ts';
export { type SmsSegmentation, segmentSms } from './sms-segments.ts';
export type {
  InboundSms,
  SandboxSms,
  SandboxSmsDirection,
  SmsOutcome,
  TwilioMessageStatus,
  TwilioSandbox,
  TwilioSandboxOptions,
} from './twilio-sandbox.ts';
export { computeTwilioSignature, startTwilioSandbox, TWILIO_API_VERSION } from './twilio-sandbox.ts';
export { readTwimlMessages, type TwimlMessage } from './twiml-messages.ts';
export type { WebhookAttempt } from './webhook-dispatcher.ts';
export {
  type RecordedWebhook,
  type RecorderResponder,
  startWebhookRecorder,
  type WebhookRecorder,
} from './webhook-recorder.ts';

/** Options of {@link startProviderSandboxes}: one entry per provider to start. */
export interface ProviderSandboxesOptions {
  readonly twilio: TwilioSandboxOptions;
  readonly sendgrid: SendGridSandboxOptions;
}

/** Both sandboxes, stopped together. */
export interface ProviderSandboxes {
  readonly twilio: TwilioSandbox;
  readonly sendgrid: SendGridSandbox;
  stop(): Promise<void>;
}

/** Start the Twilio and SendGrid sandboxes together (what the local runtime needs). */
export async function startProviderSandboxes(options: ProviderSandboxesOptions): Promise<ProviderSandboxes> {
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
