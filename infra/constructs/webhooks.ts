import { CfnOutput, Duration, Fn } from 'aws-cdk-lib';
import { type FunctionUrl, FunctionUrlAuthType, InvokeMode } from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import type { NudgeSettings } from '../settings.ts';
import type { JourneyTable } from './journey-table.ts';
import { NudgeFunction } from './nudge-function.ts';
import type { OutcomeRelay } from './outcome-relay.ts';
import type { ProviderSecrets } from './provider-secrets.ts';

/** The paths webhook-router.ts serves, relative to the base URL. */
const WEBHOOK_PATHS = {
  twilioStatus: 'webhooks/twilio/status',
  twilioInbound: 'webhooks/twilio/inbound',
  sendgridEvents: 'webhooks/sendgrid/events',
} as const;

/** Props of {@link Webhooks}. */
export interface WebhooksProps {
  settings: NudgeSettings;
  /** The validated project the functions run (nudge-project.json, written by `writeDeployedProject`). */
  projectFile: string;
  table: JourneyTable;
  /** Where the webhook queues its outcome events; the relay puts them on the bus 10 per call. */
  outcomeRelay: OutcomeRelay;
  secrets: ProviderSecrets;
}

/**
 * Provider webhooks in: the `webhook` function behind a Lambda Function URL.
 *
 * The URL has no IAM auth (Twilio and SendGrid cannot sign AWS requests); every request is
 * instead verified by the function against the provider's signature (Twilio's HMAC, SendGrid's
 * ECDSA) before anything is read or written, and refused with 403 otherwise.
 *
 * The base URL: the webhook verifies Twilio signatures over the URL Twilio called. On the
 * Function URL itself that is the request's Host, so the function needs no variable, and would
 * need one that referenced its own URL (a circular dependency) otherwise. The send function does
 * get the URL (for status callbacks) straight from the Function URL resource: that is an
 * ordinary dependency, resolved in the same deployment. Only when a custom domain or proxy sits
 * in front is context `webhookBaseUrl` set; then both functions and the outputs use it.
 */
export class Webhooks extends Construct {
  readonly fn: NudgeFunction;
  readonly url: FunctionUrl;
  /** The base URL providers call, ending in `/`. */
  readonly baseUrl: string;

  constructor(scope: Construct, id: string, props: WebhooksProps) {
    super(scope, id);
    const { settings } = props;
    const customBaseUrl =
      settings.webhookBaseUrl === undefined ? undefined : `${settings.webhookBaseUrl.replace(/\/+$/, '')}/`;
    this.fn = new NudgeFunction(this, 'Webhook', {
      name: 'webhook',
      description:
        'Nudge: verifies and records Twilio and SendGrid webhooks (delivery reports, replies, opt-outs)',
      settings,
      projectFile: props.projectFile,
      // Twilio waits 15 s for an answer; a slower one is retried, which the store absorbs.
      timeout: Duration.seconds(10),
      memorySize: 512,
      // The Function URL is public: a flood may use these executions and no others.
      reservedConcurrentExecutions: settings.webhookReservedConcurrency,
      environment: {
        NUDGE_TABLE_NAME: props.table.table.tableName,
        ...props.outcomeRelay.environment(),
        NUDGE_TWILIO_SECRET_ARN: props.secrets.twilio.secretArn,
        NUDGE_SENDGRID_SECRET_ARN: props.secrets.sendgrid.secretArn,
        NUDGE_UNSUBSCRIBE_SECRET_ARN: props.secrets.unsubscribe.secretArn,
        ...(customBaseUrl === undefined ? {} : { NUDGE_WEBHOOK_BASE_URL: customBaseUrl }),
      },
    });
    const role = this.fn.role;
    props.table.grantJourneyReadWrite(role);
    props.secrets.grantRead(role);
    props.outcomeRelay.grantQueue(role);

    this.url = this.fn.function.addFunctionUrl({
      authType: FunctionUrlAuthType.NONE,
      invokeMode: InvokeMode.BUFFERED,
    });
    this.baseUrl = customBaseUrl ?? this.url.url;

    // Stable, readable output keys (`aws cloudformation describe-stacks`, docs/deploy.md).
    const output = (id: string, value: string, description: string) =>
      new CfnOutput(this, id, { value, description }).overrideLogicalId(id);
    output('WebhookBaseUrl', this.baseUrl, 'Base URL of the provider webhooks');
    output(
      'TwilioStatusCallbackUrl',
      Fn.join('', [this.baseUrl, WEBHOOK_PATHS.twilioStatus]),
      'Twilio status callbacks (set per message by the send function)',
    );
    output(
      'TwilioInboundUrl',
      Fn.join('', [this.baseUrl, WEBHOOK_PATHS.twilioInbound]),
      'Twilio: Messaging → your number → "A message comes in" (HTTP POST)',
    );
    output(
      'SendGridEventsUrl',
      Fn.join('', [this.baseUrl, WEBHOOK_PATHS.sendgridEvents]),
      'SendGrid: Mail Settings → Event Webhook → HTTP Post URL (Signed Event Webhook on)',
    );
  }
}
