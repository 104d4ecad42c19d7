import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Aws, CfnOutput, Duration, Fn, RemovalPolicy } from 'aws-cdk-lib';
import {
  HttpApi,
  HttpRoute,
  HttpRouteKey,
  HttpStage,
  LogGroupLogDestination,
} from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import {
  AccountRecovery,
  CfnUserPoolGroup,
  FeaturePlan,
  Mfa,
  OAuthScope,
  UserPool,
  type UserPoolClient,
  UserPoolClientIdentityProvider,
} from 'aws-cdk-lib/aws-cognito';
import { Grant } from 'aws-cdk-lib/aws-iam';
import { LogGroup } from 'aws-cdk-lib/aws-logs';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { POINTER_PK } from '../../functions/adapters/dynamodb/dynamo-rule-sets.ts';
import { STATS_DAY_PREFIX } from '../../functions/adapters/dynamodb/dynamo-rule-stats.ts';
import { AUDIT_ITEMS } from '../../functions/adapters/dynamodb/table-design.ts';
import { CONSOLE_PRICE_TABLE_FILE } from '../../functions/handlers/console-rule-sets.ts';
import { readPriceTable } from '../../functions/simulator/cost-preview.ts';
import { acknowledgeNag } from '../nag.ts';
import { type NudgeSettings, REPO_ROOT } from '../settings.ts';
import type { JourneyBus } from './journey-bus.ts';
import { type JourneyTable, STORE_INDEXES } from './journey-table.ts';
import { NudgeFunction } from './nudge-function.ts';

/** The console's roles, one Cognito group each (functions/console/routes/route.ts). */
const CONSOLE_GROUPS = ['viewer', 'editor', 'publisher', 'privacy'] as const;

/** Where the identity provider sends the browser back after sign-in, and after sign-out. */
const CONSOLE_CALLBACK_PATH = '/auth/callback';

/** Props of {@link OperationsConsole}. */
export interface OperationsConsoleProps {
  settings: NudgeSettings;
  projectFile: string;
  table: JourneyTable;
  bus: JourneyBus;
}

/**
 * The operations console in AWS: the `console` function (the hono app `npm start` serves) behind
 * an API Gateway HTTP API, signing in with OIDC against the stack's Cognito user pool (groups
 * viewer, editor, publisher, privacy; hosted UI; authorization code + PKCE) or an external issuer
 * given as context. docs/deploy.md says why an HTTP API and not a Function URL.
 */
export class OperationsConsole extends Construct {
  readonly fn: NudgeFunction;
  readonly api: HttpApi;
  /** `https://{api}.execute-api.{region}.amazonaws.com`, no trailing slash. */
  readonly url: string;
  readonly sessionSecret: Secret;
  readonly userPool: UserPool | undefined;
  readonly client: UserPoolClient | undefined;

  constructor(scope: Construct, id: string, props: OperationsConsoleProps) {
    super(scope, id);
    const { settings } = props;
    this.api = new HttpApi(this, 'Api', {
      apiName: `nudge-${settings.stage}-console`,
      description: `Nudge operations console (${settings.stage})`,
      createDefaultStage: false,
    });
    this.url = this.api.apiEndpoint;
    this.sessionSecret = this.generatedSessionKey(settings);
    const signIn = settings.consoleOidc === undefined ? this.cognito(settings) : undefined;
    this.userPool = signIn?.pool;
    this.client = signIn?.client;
    const issuer = settings.consoleOidc?.issuer ?? signIn?.issuer ?? '';
    const clientId = settings.consoleOidc?.clientId ?? signIn?.client.userPoolClientId ?? '';

    this.fn = new NudgeFunction(this, 'Fn', {
      name: 'console',
      description: 'Nudge: the operations console (pages and JSON API) behind OIDC sign-in',
      settings,
      projectFile: props.projectFile,
      // The publish gate replays the archive inside one request: up to the HTTP API's 30 s
      // (its "Maximum integration timeout", not raisable), with the CPU of 1 GB for the backtest.
      timeout: Duration.seconds(29),
      memorySize: 1024,
      files: { [CONSOLE_PRICE_TABLE_FILE]: priceTableOf(settings) },
      environment: {
        NUDGE_TABLE_NAME: props.table.table.tableName,
        NUDGE_EVENT_BUS_NAME: props.bus.busName,
        NUDGE_CONSOLE_URL: this.url,
        NUDGE_CONSOLE_SESSION_SECRET_ARN: this.sessionSecret.secretArn,
        NUDGE_OIDC_ISSUER: issuer,
        NUDGE_OIDC_CLIENT_ID: clientId,
        NUDGE_OIDC_GROUPS_CLAIM: settings.consoleGroupsClaim,
        ...(settings.consoleOidc === undefined
          ? {}
          : { NUDGE_OIDC_CLIENT_SECRET_ARN: settings.consoleOidc.clientSecretArn }),
      },
    });
    this.grant(props, settings);
    this.stage(settings);

    const output = (outputId: string, value: string, description: string) =>
      new CfnOutput(this, outputId, { value, description }).overrideLogicalId(outputId);
    output('ConsoleUrl', this.url, 'The operations console (sign in with the console user pool or your IdP)');
    output('ConsoleOidcIssuer', issuer, 'OIDC issuer the console signs in with');
    if (this.userPool !== undefined)
      output('ConsoleUserPoolId', this.userPool.userPoolId, 'Create console users here (docs/deploy.md)');
  }

  /**
   * Least privilege: read the table (no Scan); the privacy erase's writes (conditional
   * DeleteItem, and UpdateItem to unlink a kept suppression — also a pending send cancelled by
   * hand, and the rule-set counter and ACTIVE pointer a publish or rollback moves); PutItem only
   * into the audit partitions (`AUDIT#<month>`) and the rule-set partitions (`RULESET`: versions
   * and moves; `RULESET#<sha256>`: content parts); BatchWriteItem only into the rule counters'
   * day-summary partitions (`STATSDAY#`); PutEvents on the bus; its own secrets.
   */
  private grant(props: OperationsConsoleProps, settings: NudgeSettings): void {
    const role = this.fn.role;
    const tableArn = props.table.table.tableArn;
    Grant.addToPrincipal({
      grantee: role,
      actions: [
        'dynamodb:BatchGetItem',
        'dynamodb:GetItem',
        'dynamodb:Query',
        'dynamodb:DeleteItem',
        'dynamodb:UpdateItem',
      ],
      resourceArns: [tableArn],
    });
    Grant.addToPrincipal({
      grantee: role,
      actions: ['dynamodb:PutItem'],
      resourceArns: [tableArn],
      // The console writes new items only to its audit trail and to rule-set versions.
      conditions: {
        'ForAllValues:StringLike': {
          'dynamodb:LeadingKeys': [`${AUDIT_ITEMS.partitionPrefix}*`, POINTER_PK, `${POINTER_PK}#*`],
        },
      },
    });
    Grant.addToPrincipal({
      grantee: role,
      actions: ['dynamodb:BatchWriteItem'],
      resourceArns: [tableArn],
      // The rules page's reads write each settled day's counter summary once (dynamo-rule-stats.ts).
      conditions: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [`${STATS_DAY_PREFIX}*`] } },
    });
    Grant.addToPrincipal({
      grantee: role,
      actions: ['dynamodb:Query'],
      resourceArns: STORE_INDEXES.map((index) => `${tableArn}/index/${index.indexName}`),
    });
    props.bus.grantPutEvents(role);
    Grant.addToPrincipal({
      grantee: role,
      actions: ['secretsmanager:GetSecretValue'],
      resourceArns: [
        this.sessionSecret.secretArn,
        ...(settings.consoleOidc === undefined ? [] : [settings.consoleOidc.clientSecretArn]),
      ],
    });
  }

  /** The `$default` stage: every path to the function, throttled, with access logs. */
  private stage(settings: NudgeSettings): void {
    // `$default`: every method and path goes to the function, whose router answers 404/405.
    const route = new HttpRoute(this, 'DefaultRoute', {
      httpApi: this.api,
      routeKey: HttpRouteKey.DEFAULT,
      integration: new HttpLambdaIntegration('Integration', this.fn.function),
    });
    const accessLogs = new LogGroup(this, 'AccessLogs', {
      logGroupName: `/nudge/${settings.stage}/console-access`,
      retention: settings.logRetentionDays,
      removalPolicy: settings.isProduction ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    });
    new HttpStage(this, 'Stage', {
      httpApi: this.api,
      stageName: '$default',
      autoDeploy: true,
      // A few people click through pages: far below this, while a flood stops here.
      throttle: { rateLimit: 20, burstLimit: 40 },
      accessLogSettings: { destination: new LogGroupLogDestination(accessLogs) },
    });
    acknowledgeNag(
      route,
      'AwsSolutions-APIG4',
      'The console function authorises every request itself: OIDC sign-in (authorization code + PKCE), a ' +
        'signed session cookie and a least role per route. An API Gateway authorizer cannot run the ' +
        'browser sign-in redirect the pages need.',
    );
    acknowledgeNag(
      route,
      'AwsSolutions-COG4',
      'Same reason as APIG4: the console signs users in with OIDC itself (the Cognito user pool of this ' +
        'stack or an external issuer) and checks the role of each route.',
    );
  }

  private generatedSessionKey(settings: NudgeSettings): Secret {
    const secret = new Secret(this, 'SessionKey', {
      secretName: `nudge/${settings.stage}/console-session`,
      description: `Nudge console session-cookie signing key (${settings.stage}). Generated; do not set by hand.`,
      generateSecretString: {
        secretStringTemplate: '{}',
        generateStringKey: 'signingKey',
        passwordLength: 64,
        excludePunctuation: true,
      },
      removalPolicy: settings.isProduction ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    });
    acknowledgeNag(
      secret,
      'AwsSolutions-SMG4',
      'Rotating the session signing key signs every operator out; it is generated by Secrets Manager, never ' +
        'leaves AWS, and docs/deploy.md says how to replace it by hand (which is the rotation).',
    );
    return secret;
  }

  /** The user pool, its groups, hosted UI domain and the console's app client. */
  private cognito(settings: NudgeSettings): { pool: UserPool; client: UserPoolClient; issuer: string } {
    const pool = new UserPool(this, 'Users', {
      userPoolName: `nudge-${settings.stage}-console`,
      // Operations staff are invited by an administrator (docs/deploy.md), never sign themselves up.
      selfSignUpEnabled: false,
      signInAliases: { email: true },
      autoVerify: { email: true },
      passwordPolicy: {
        minLength: 12,
        requireLowercase: true,
        requireUppercase: true,
        requireDigits: true,
        requireSymbols: true,
        tempPasswordValidity: Duration.days(3),
      },
      // The console shows customers' messages: a second factor for everyone (an authenticator app).
      mfa: Mfa.REQUIRED,
      mfaSecondFactor: { otp: true, sms: false },
      accountRecovery: AccountRecovery.EMAIL_ONLY,
      // Threat protection (compromised credentials, adaptive authentication) needs the Plus plan.
      featurePlan: FeaturePlan.PLUS,
      removalPolicy: settings.isProduction ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    });
    for (const group of CONSOLE_GROUPS) {
      new CfnUserPoolGroup(this, `Group-${group}`, {
        userPoolId: pool.userPoolId,
        groupName: group,
        description: `Nudge console role ${group}`,
      });
    }
    pool.addDomain('HostedUi', {
      cognitoDomain: { domainPrefix: Fn.join('-', ['nudge', settings.stage, Aws.ACCOUNT_ID]) },
    });
    const client = pool.addClient('Console', {
      userPoolClientName: 'nudge-console',
      // Authorization code with PKCE; a public client, so no client secret has to travel from
      // Cognito into Secrets Manager (CloudFormation cannot read it without a custom resource).
      generateSecret: false,
      authFlows: {},
      oAuth: {
        flows: { authorizationCodeGrant: true },
        scopes: [OAuthScope.OPENID, OAuthScope.EMAIL, OAuthScope.PROFILE],
        callbackUrls: [`${this.url}${CONSOLE_CALLBACK_PATH}`],
        logoutUrls: [`${this.url}/auth/signed-out`],
      },
      supportedIdentityProviders: [UserPoolClientIdentityProvider.COGNITO],
      preventUserExistenceErrors: true,
      idTokenValidity: Duration.hours(1),
      accessTokenValidity: Duration.hours(1),
      refreshTokenValidity: Duration.hours(8),
    });
    return { pool, client, issuer: pool.userPoolProviderUrl };
  }
}

/**
 * The price table of the gate's cost preview, as the CLI picks it: the project folder's
 * `pricing/sms-prices.yaml`, else Nudge's own. Checked here, so a broken table stops synthesis.
 */
function priceTableOf(settings: NudgeSettings): string {
  const own = join(settings.projectDir, 'pricing', CONSOLE_PRICE_TABLE_FILE);
  const file = existsSync(own) ? own : join(REPO_ROOT, 'pricing', CONSOLE_PRICE_TABLE_FILE);
  readPriceTable(file);
  return file;
}
