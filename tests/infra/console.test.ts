// The console in the stack: its function, the HTTP API in front of it, sign-in (the stack's
// Cognito user pool by default, an external OIDC issuer by context), exactly its IAM, cdk-nag.
import { rmSync } from 'node:fs';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STORE_INDEXES } from '../../infra/constructs/journey-table.ts';
import {
  actionsOfRole,
  arnOf,
  isRecord,
  onlyResource,
  type SynthesisedNudge,
  statementsOfRole,
  synthNudge,
} from './support.ts';

const EXTERNAL_SECRET = 'arn:aws:secretsmanager:eu-north-1:111122223333:secret:okta/nudge-console-Xy12Ab';
const EXTERNAL = {
  consoleOidcIssuer: 'https://acme.okta.com/oauth2/default',
  consoleOidcClientId: '0oa1nudgeconsole',
  consoleOidcClientSecretArn: EXTERNAL_SECRET,
  consoleGroupsClaim: 'nudge_roles',
};

let cognito: SynthesisedNudge;
let external: SynthesisedNudge;

beforeAll(() => {
  cognito = synthNudge({}, { bundle: false, validate: false });
  external = synthNudge(EXTERNAL, { bundle: false, validate: false });
}, 120_000);

afterAll(() => {
  for (const nudge of [cognito, external])
    if (nudge !== undefined) rmSync(nudge.outdir, { recursive: true, force: true });
});

const consoleFunction = (nudge: SynthesisedNudge) =>
  onlyResource(nudge.template, 'AWS::Lambda::Function', 'ConsoleFnFunction');
const consoleRole = (nudge: SynthesisedNudge) =>
  onlyResource(nudge.template, 'AWS::IAM::Role', 'ConsoleFnRole');

function environmentOf(nudge: SynthesisedNudge): Record<string, unknown> {
  const environment = consoleFunction(nudge).resource.Properties?.Environment;
  if (!isRecord(environment) || !isRecord(environment.Variables))
    throw new Error('console has no environment');
  return environment.Variables;
}

describe('console function and endpoint', () => {
  it('runs nodejs22.x on arm64 from the console handler', () => {
    const properties = consoleFunction(cognito).resource.Properties ?? {};
    expect(properties.Runtime).toBe('nodejs22.x');
    expect(properties.Architectures).toEqual(['arm64']);
    expect(properties.Handler).toBe('index.handler');
  });

  it('is behind an HTTP API whose $default route and stage send everything to it, throttled and logged', () => {
    const api = onlyResource(cognito.template, 'AWS::ApiGatewayV2::Api', 'ConsoleApi');
    expect(api.resource.Properties).toMatchObject({ ProtocolType: 'HTTP' });
    const route = onlyResource(cognito.template, 'AWS::ApiGatewayV2::Route', 'ConsoleDefaultRoute');
    expect(route.resource.Properties).toMatchObject({ RouteKey: '$default', AuthorizationType: 'NONE' });
    const integration = onlyResource(
      cognito.template,
      'AWS::ApiGatewayV2::Integration',
      'ConsoleDefaultRouteIntegration',
    );
    expect(integration.resource.Properties).toMatchObject({
      IntegrationType: 'AWS_PROXY',
      IntegrationUri: { 'Fn::GetAtt': [consoleFunction(cognito).id, 'Arn'] },
      PayloadFormatVersion: '2.0',
    });
    const stage = onlyResource(cognito.template, 'AWS::ApiGatewayV2::Stage', 'ConsoleStage');
    expect(stage.resource.Properties).toMatchObject({
      StageName: '$default',
      AutoDeploy: true,
      DefaultRouteSettings: { ThrottlingRateLimit: 20, ThrottlingBurstLimit: 40 },
    });
    const logs = onlyResource(cognito.template, 'AWS::Logs::LogGroup', 'ConsoleAccessLogs');
    expect(stage.resource.Properties?.AccessLogSettings).toMatchObject({
      DestinationArn: { 'Fn::GetAtt': [logs.id, 'Arn'] },
    });
  });

  it('tells the function its public URL, the issuer, the client, the groups claim and its session key', () => {
    const api = onlyResource(cognito.template, 'AWS::ApiGatewayV2::Api', 'ConsoleApi');
    const pool = onlyResource(cognito.template, 'AWS::Cognito::UserPool', 'ConsoleUsers');
    const client = onlyResource(cognito.template, 'AWS::Cognito::UserPoolClient', 'ConsoleUsersConsole');
    const session = onlyResource(cognito.template, 'AWS::SecretsManager::Secret', 'ConsoleSessionKey');
    const environment = environmentOf(cognito);
    expect(environment.NUDGE_CONSOLE_URL).toEqual({ 'Fn::GetAtt': [api.id, 'ApiEndpoint'] });
    expect(environment.NUDGE_OIDC_ISSUER).toEqual({ 'Fn::GetAtt': [pool.id, 'ProviderURL'] });
    expect(environment.NUDGE_OIDC_CLIENT_ID).toEqual({ Ref: client.id });
    expect(environment.NUDGE_OIDC_GROUPS_CLAIM).toBe('cognito:groups');
    expect(environment.NUDGE_CONSOLE_SESSION_SECRET_ARN).toEqual({ Ref: session.id });
    expect(environment.NUDGE_OIDC_CLIENT_SECRET_ARN).toBeUndefined();
    expect(environment.NUDGE_TABLE_NAME).toBeDefined();
    expect(environment.NUDGE_EVENT_BUS_NAME).toBeDefined();
  });
});

describe('Cognito sign-in (the default)', () => {
  it('has a user pool with no self sign-up, a strong password policy, MFA required and threat protection', () => {
    const pool = onlyResource(cognito.template, 'AWS::Cognito::UserPool', 'ConsoleUsers');
    expect(pool.resource.Properties).toMatchObject({
      AdminCreateUserConfig: { AllowAdminCreateUserOnly: true },
      MfaConfiguration: 'ON',
      EnabledMfas: ['SOFTWARE_TOKEN_MFA'],
      UserPoolTier: 'PLUS',
      Policies: {
        PasswordPolicy: {
          MinimumLength: 12,
          RequireLowercase: true,
          RequireUppercase: true,
          RequireNumbers: true,
          RequireSymbols: true,
        },
      },
    });
  });

  it('creates the four role groups', () => {
    const groups = Object.values(cognito.template.findResources('AWS::Cognito::UserPoolGroup'))
      .map((group) => group.Properties?.GroupName)
      .sort();
    expect(groups).toEqual(['editor', 'privacy', 'publisher', 'viewer']);
  });

  it('has a hosted UI domain and a code-flow client that returns to the console', () => {
    expect(Object.keys(cognito.template.findResources('AWS::Cognito::UserPoolDomain'))).toHaveLength(1);
    const api = onlyResource(cognito.template, 'AWS::ApiGatewayV2::Api', 'ConsoleApi');
    const client = onlyResource(cognito.template, 'AWS::Cognito::UserPoolClient', 'ConsoleUsersConsole');
    expect(client.resource.Properties).toMatchObject({
      AllowedOAuthFlows: ['code'],
      AllowedOAuthFlowsUserPoolClient: true,
      AllowedOAuthScopes: ['openid', 'email', 'profile'],
      GenerateSecret: false,
      SupportedIdentityProviders: ['COGNITO'],
      PreventUserExistenceErrors: 'ENABLED',
      CallbackURLs: [{ 'Fn::Join': ['', [{ 'Fn::GetAtt': [api.id, 'ApiEndpoint'] }, '/auth/callback']] }],
    });
  });
});

describe('an external OIDC issuer (context)', () => {
  it('makes no user pool and passes the issuer, client, secret and groups claim', () => {
    expect(external.template.findResources('AWS::Cognito::UserPool')).toEqual({});
    const environment = environmentOf(external);
    expect(environment).toMatchObject({
      NUDGE_OIDC_ISSUER: EXTERNAL.consoleOidcIssuer,
      NUDGE_OIDC_CLIENT_ID: EXTERNAL.consoleOidcClientId,
      NUDGE_OIDC_CLIENT_SECRET_ARN: EXTERNAL_SECRET,
      NUDGE_OIDC_GROUPS_CLAIM: 'nudge_roles',
    });
  });

  it('refuses half an issuer configuration', () => {
    expect(() =>
      synthNudge({ consoleOidcIssuer: EXTERNAL.consoleOidcIssuer }, { bundle: false, validate: false }),
    ).toThrow(
      /consoleOidcIssuer: an external issuer needs consoleOidcIssuer, consoleOidcClientId and consoleOidcClientSecretArn together/,
    );
  });
});

describe('console IAM: exactly what it calls', () => {
  it.each([
    ['Cognito', () => cognito, false],
    ['external issuer', () => external, true],
  ] as const)(
    "%s: reads the table (never Scan), the erase's writes, audit PutItem, PutEvents, its secrets (no Scheduler call)",
    (_name, nudge, withClientSecret) => {
      const template = nudge().template;
      const table = arnOf(onlyResource(template, 'AWS::DynamoDB::Table', 'JourneysTable').id);
      const bus = arnOf(onlyResource(template, 'AWS::Events::EventBus', 'JourneyBus').id);
      const session = onlyResource(template, 'AWS::SecretsManager::Secret', 'ConsoleSessionKey').id;
      const logs = arnOf(onlyResource(template, 'AWS::Logs::LogGroup', 'ConsoleFnLogs').id);
      const indexes = STORE_INDEXES.map((index) => `${table}/index/${index.indexName}`);
      const actions = actionsOfRole(template, consoleRole(nudge()).id);
      expect(Object.fromEntries([...actions.entries()].sort(([a], [b]) => a.localeCompare(b)))).toEqual({
        'dynamodb:BatchGetItem': [table],
        // Only the rule counters' day summaries (the condition is checked below).
        'dynamodb:BatchWriteItem': [table],
        // The privacy erase: conditional deletes, and unlinking the suppressions it keeps.
        'dynamodb:DeleteItem': [table],
        'dynamodb:GetItem': [table],
        // Only into the audit and rule-set partitions (the condition is checked below).
        'dynamodb:PutItem': [table],
        'dynamodb:Query': [table, ...indexes].sort(),
        'dynamodb:UpdateItem': [table],
        'events:PutEvents': [bus],
        'logs:CreateLogStream': [logs],
        'logs:PutLogEvents': [logs],
        'secretsmanager:GetSecretValue': withClientSecret
          ? [EXTERNAL_SECRET, `<${session}>`].sort()
          : [`<${session}>`],
        'xray:PutTelemetryRecords': ['*'],
        'xray:PutTraceSegments': ['*'],
      });
      const putItem = JSON.stringify(template.toJSON()).match(
        /"Action":"dynamodb:PutItem","Condition":(\{[^}]*\}\})/,
      );
      expect(JSON.parse(putItem?.[1] ?? 'null')).toEqual({
        'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['AUDIT#*', 'RULESET', 'RULESET#*'] },
      });
      const batchWrite = JSON.stringify(template.toJSON()).match(
        /"Action":"dynamodb:BatchWriteItem","Condition":(\{[^}]*\}\})/,
      );
      expect(JSON.parse(batchWrite?.[1] ?? 'null')).toEqual({
        'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['STATSDAY#*'] },
      });
    },
  );
});

describe('rule-set versions: the console publishes, the functions follow the pointer', () => {
  // The items a publish writes (dynamo-rule-sets.ts): PutItem of `RULESET#<sha256>`/`PART#<i>`,
  // `RULESET`/`VERSION#<n>` and `RULESET`/`MOVE#<seq>`; UpdateItem of `RULESET`/`COUNTER` and
  // `RULESET`/`ACTIVE` (conditional). A rollback: UpdateItem of ACTIVE and PutItem of a MOVE.
  const statementsFor = (nudge: SynthesisedNudge, roleId: string, action: string) =>
    statementsOfRole(nudge.template, roleId).filter((s) => s.Effect === 'Allow' && s.Action.includes(action));
  const prefixAllowed = (condition: unknown, key: string) => {
    const like = isRecord(condition) ? condition['ForAllValues:StringLike'] : undefined;
    const patterns = isRecord(like) ? like['dynamodb:LeadingKeys'] : undefined;
    if (!Array.isArray(patterns)) return false;
    return patterns.some((pattern) =>
      new RegExp(`^${String(pattern).replaceAll('#', '\\#').replaceAll('*', '.*')}$`).test(key),
    );
  };

  it('console: PutItem reaches the version, move and content-part partitions, and nothing outside AUDIT#/RULESET', () => {
    const table = arnOf(onlyResource(cognito.template, 'AWS::DynamoDB::Table', 'JourneysTable').id);
    const puts = statementsFor(cognito, consoleRole(cognito).id, 'dynamodb:PutItem');
    expect(puts.map((s) => s.Resource)).toEqual([[table]]);
    const condition = puts[0]?.Condition;
    for (const key of ['RULESET', `RULESET#${'ab'.repeat(32)}`, 'AUDIT#2026-12'])
      expect(prefixAllowed(condition, key), key).toBe(true);
    for (const key of ['CUSTOMER#c-1', 'MSG#m-1', 'RULESETX', 'SUPPRESSION#+46701234567'])
      expect(prefixAllowed(condition, key), key).toBe(false);
  });

  it('console: UpdateItem (counter, ACTIVE pointer) and consistent GetItem/Query on the table', () => {
    const table = arnOf(onlyResource(cognito.template, 'AWS::DynamoDB::Table', 'JourneysTable').id);
    const actions = actionsOfRole(cognito.template, consoleRole(cognito).id);
    for (const action of ['dynamodb:UpdateItem', 'dynamodb:GetItem'])
      expect(actions.get(action), action).toEqual([table]);
    expect(actions.get('dynamodb:Query')).toContain(table);
  });

  it.each([
    ['evaluate', 'IngestEvaluate'],
    ['send', 'SendingSend'],
  ])(
    '%s: reads the pointer and versions (GetItem, Query) and may seed version 1 (PutItem, UpdateItem)',
    (_name, prefix) => {
      const template = cognito.template;
      const table = arnOf(onlyResource(template, 'AWS::DynamoDB::Table', 'JourneysTable').id);
      const roleId = onlyResource(template, 'AWS::IAM::Role', `${prefix}Role`).id;
      for (const action of [
        'dynamodb:GetItem',
        'dynamodb:Query',
        'dynamodb:PutItem',
        'dynamodb:UpdateItem',
      ]) {
        const granting = statementsFor(cognito, roleId, action).filter((s) => s.Resource.includes(table));
        // Some statement grants it on the table for every key (no LeadingKeys condition keeping RULESET out).
        expect(
          granting.some((s) => s.Condition === undefined || prefixAllowed(s.Condition, 'RULESET')),
          action,
        ).toBe(true);
      }
      const fnProps = onlyResource(template, 'AWS::Lambda::Function', `${prefix}Function`).resource
        .Properties;
      const variables = isRecord(fnProps?.Environment) ? fnProps.Environment.Variables : undefined;
      expect(isRecord(variables) && 'NUDGE_TABLE_NAME' in variables).toBe(true);
    },
  );

  it('console: the gate runs within the HTTP API limit (30 s), with 1 GB for the backtest', () => {
    const props = consoleFunction(cognito).resource.Properties ?? {};
    expect(props.Timeout).toBeLessThanOrEqual(30);
    expect(props.MemorySize).toBeGreaterThanOrEqual(1024);
  });
});

describe('cdk-nag', () => {
  it.each([
    ['Cognito', () => cognito],
    ['external issuer', () => external],
  ] as const)('%s: AwsSolutions clean, no annotations', (_name, nudge) => {
    const report = new AwsSolutionsChecks(undefined, { verbose: true }).validateScope(nudge().stack);
    expect(
      report.violations.map((v) => `${v.ruleName} ${v.violatingResources.map((r) => r.constructPath)}`),
    ).toEqual([]);
    const annotations = Annotations.fromStack(nudge().stack);
    expect(annotations.findError('*', Match.anyValue())).toEqual([]);
    expect(annotations.findWarning('*', Match.anyValue())).toEqual([]);
  });
});
