import { RemovalPolicy, SecretValue } from 'aws-cdk-lib';
import { Grant, type IGrantable } from 'aws-cdk-lib/aws-iam';
import { type ISecret, Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { acknowledgeNag } from '../nag.ts';

/** What to put in the Twilio secret (functions/adapters/secrets/provider-secrets.ts validates it). */
export const TWILIO_SECRET_SHAPE =
  'JSON {"accountSid":"AC…","authToken":"…","from":"+46…" or a sender id, and/or "messagingServiceSid":"MG…"}';

/** What to put in the SendGrid secret. */
export const SENDGRID_SECRET_SHAPE =
  'JSON {"apiKey":"SG.…","webhookPublicKey":"<Signed Event Webhook verification key>","fromEmail":"…","fromName":"…"}';

/** Props of {@link ProviderSecrets}. */
export interface ProviderSecretsProps {
  stage: string;
  isProduction: boolean;
  /** Import instead of create (complete ARNs). */
  twilioSecretArn: string | undefined;
  sendgridSecretArn: string | undefined;
}

/**
 * The Twilio and SendGrid credentials in Secrets Manager. Created with a placeholder `{}` and a
 * description of the JSON to set (docs/deploy.md has the commands), or imported by ARN.
 * Encrypted with the account's `aws/secretsmanager` key, so reading needs no KMS grant.
 */
export class ProviderSecrets extends Construct {
  readonly twilio: ISecret;
  readonly sendgrid: ISecret;

  constructor(scope: Construct, id: string, props: ProviderSecretsProps) {
    super(scope, id);
    this.twilio = this.secret('Twilio', props, props.twilioSecretArn, TWILIO_SECRET_SHAPE);
    this.sendgrid = this.secret('SendGrid', props, props.sendgridSecretArn, SENDGRID_SECRET_SHAPE);
  }

  /** GetSecretValue on both secrets: what Powertools' SecretsProvider calls, and nothing else. */
  grantRead(grantee: IGrantable): Grant {
    return Grant.addToPrincipal({
      grantee,
      actions: ['secretsmanager:GetSecretValue'],
      resourceArns: [this.twilio.secretArn, this.sendgrid.secretArn],
    });
  }

  private secret(name: string, props: ProviderSecretsProps, arn: string | undefined, shape: string): ISecret {
    if (arn !== undefined) return Secret.fromSecretCompleteArn(this, name, arn);
    const secret = new Secret(this, name, {
      secretName: `nudge/${props.stage}/${name.toLowerCase()}`,
      description: `Nudge ${name} credentials (${props.stage}). Set with put-secret-value: ${shape}`,
      // A placeholder, not a credential: the real value is set out of band and never passes
      // through CloudFormation. CloudFormation rewrites it only if this literal changes.
      secretStringValue: SecretValue.unsafePlainText('{}'),
      removalPolicy: props.isProduction ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    });
    acknowledgeNag(
      secret,
      'AwsSolutions-SMG4',
      `The ${name} credentials are issued by ${name}, not by AWS: a rotation Lambda cannot mint a new auth ` +
        'token or API key. Rotation is done in the provider console and stored with put-secret-value; new ' +
        'execution environments read it at cold start, and docs/deploy.md shows how to switch over at once.',
    );
    return secret;
  }
}
