/**
 * Helpers for the infra tests: build the Nudge app into a temporary cloud assembly and read the
 * template in a form that is easy to assert on and to snapshot.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { flattenCfnReference } from 'cdk-nag/lib/utils/flatten-cfn-reference.js';
import { buildNudgeApp } from '../../infra/nudge-app.ts';
import type { NudgeStack } from '../../infra/nudge-stack.ts';
import { REPO_ROOT } from '../../infra/settings.ts';

/** One synthesised Nudge app. */
export interface SynthesisedNudge {
  app: App;
  stack: NudgeStack;
  template: Template;
  outdir: string;
}

/** What a synthesis in the tests pays for. */
export interface SynthOptions {
  /** Bundle the functions with esbuild (otherwise CDK's `aws:cdk:bundling-stacks` skips it). */
  bundle: boolean;
  /** Run CDK's built-in CloudFormation validation (resource schemas and default rules). */
  validate: boolean;
}

/**
 * Builds and synthesises the app once; cdk-nag runs at every synthesis. The two expensive steps
 * are opt-in per test file, so they can run in different vitest workers at the same time.
 */
export function synthNudge(context: Record<string, unknown> = {}, options: SynthOptions) {
  const outdir = mkdtempSync(join(tmpdir(), 'nudge-cdk-'));
  // cdk.json's context first, as `cdk synth` applies it, so the tests see what deploys.
  const merged = { ...cdkJsonContext(), ...context };
  const { app, stack } = buildNudgeApp({
    outdir,
    context: options.bundle ? merged : { 'aws:cdk:bundling-stacks': [], ...merged },
    builtinCloudFormationValidation: options.validate,
  });
  const template = Template.fromStack(stack);
  return { app, stack, template, outdir } satisfies SynthesisedNudge;
}

/** The `context` block of the repository's cdk.json. */
function cdkJsonContext(): Record<string, unknown> {
  const parsed: unknown = JSON.parse(readFileSync(join(REPO_ROOT, 'cdk.json'), 'utf8'));
  return isRecord(parsed) && isRecord(parsed.context) ? parsed.context : {};
}

/** A CloudFormation resource as it appears in the template. */
export interface CfnResource {
  Type: string;
  Properties?: Record<string, unknown>;
  DeletionPolicy?: string;
  UpdateReplacePolicy?: string;
}

/** The single resource of a type whose logical id starts with `prefix`. */
export function onlyResource(
  template: Template,
  type: string,
  prefix: string,
): { id: string; resource: CfnResource } {
  const matches = Object.entries(template.findResources(type)).filter(([id]) => id.startsWith(prefix));
  if (matches.length !== 1) throw new Error(`expected one ${type} named ${prefix}…, found ${matches.length}`);
  const [match] = matches;
  if (match === undefined) throw new Error('unreachable');
  const [id, resource] = match;
  return { id, resource: toResource(resource) };
}

function toResource(value: unknown): CfnResource {
  if (typeof value !== 'object' || value === null || !('Type' in value) || typeof value.Type !== 'string') {
    throw new Error('not a CloudFormation resource');
  }
  const properties = 'Properties' in value && isRecord(value.Properties) ? value.Properties : undefined;
  return {
    Type: value.Type,
    ...(properties === undefined ? {} : { Properties: properties }),
    ...('DeletionPolicy' in value && typeof value.DeletionPolicy === 'string'
      ? { DeletionPolicy: value.DeletionPolicy }
      : {}),
    ...('UpdateReplacePolicy' in value && typeof value.UpdateReplacePolicy === 'string'
      ? { UpdateReplacePolicy: value.UpdateReplacePolicy }
      : {}),
  };
}

/** Type guard for plain objects. */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A policy statement with intrinsics flattened the way cdk-nag names them (`<Table.Arn>/index/x`). */
export interface NormalisedStatement {
  Effect: string;
  Action: string[];
  Resource: string[];
  Condition?: unknown;
}

/**
 * Every statement of every AWS::IAM::Policy attached to the role `roleLogicalId`, flattened and
 * sorted, so a snapshot shows the permissions and nothing about ordering.
 */
export function statementsOfRole(template: Template, roleLogicalId: string): NormalisedStatement[] {
  const statements: NormalisedStatement[] = [];
  for (const policy of Object.values(template.findResources('AWS::IAM::Policy'))) {
    const { Properties } = toResource(policy);
    const roles = Properties?.Roles;
    if (!Array.isArray(roles) || !roles.some((role) => isRecord(role) && role.Ref === roleLogicalId))
      continue;
    const document = Properties?.PolicyDocument;
    const listed = isRecord(document) && Array.isArray(document.Statement) ? document.Statement : [];
    for (const statement of listed) {
      if (!isRecord(statement)) continue;
      statements.push({
        Effect: String(statement.Effect),
        Action: list(statement.Action).map(String).sort(),
        Resource: list(statement.Resource).map(flattenCfnReference).sort(),
        ...(statement.Condition === undefined ? {} : { Condition: flattenDeep(statement.Condition) }),
      });
    }
  }
  return statements.sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
}

/** Every action a role may perform, each with the resources it may touch. */
export function actionsOfRole(template: Template, roleLogicalId: string): Map<string, string[]> {
  const actions = new Map<string, string[]>();
  for (const statement of statementsOfRole(template, roleLogicalId)) {
    if (statement.Effect !== 'Allow') continue;
    for (const action of statement.Action) {
      actions.set(action, [...(actions.get(action) ?? []), ...statement.Resource].sort());
    }
  }
  return actions;
}

function list(value: unknown): unknown[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}

function flattenDeep(value: unknown): unknown {
  if (isRecord(value)) {
    const keys = Object.keys(value);
    const intrinsic = keys.length === 1 && (keys[0] === 'Ref' || keys[0]?.startsWith('Fn::') === true);
    if (intrinsic) return flattenCfnReference(value);
    return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, flattenDeep(inner)]));
  }
  if (Array.isArray(value)) return value.map(flattenDeep);
  return value;
}

/** `<LogicalId.Arn>`, as flattened ARNs read. */
export function arnOf(logicalId: string): string {
  return `<${logicalId}.Arn>`;
}
