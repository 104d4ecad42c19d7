import { join } from 'node:path';
import { type Duration, RemovalPolicy } from 'aws-cdk-lib';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Architecture, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { DEPLOYED_PROJECT_FILE } from '../../functions/handlers/deployed-project.ts';
import {
  ESM_REQUIRE_BANNER,
  EXTERNAL_MODULES,
  HANDLER_ENTRIES,
  MAIN_FIELDS,
  NODE_TARGET,
  type NudgeFunctionName,
} from '../bundling.ts';
import { acknowledgeNag } from '../nag.ts';
import { type NudgeSettings, REPO_ROOT } from '../settings.ts';
import { metricsNamespace, serviceNameOf } from './alarms.ts';

/** Props of {@link NudgeFunction}. */
export interface NudgeFunctionProps {
  name: NudgeFunctionName;
  description: string;
  settings: NudgeSettings;
  /** The validated project (nudge-project.json) to deploy next to the bundle. */
  projectFile: string;
  /** The function's own NUDGE_* variables (names and ARNs only; never a secret value). */
  environment: Record<string, string>;
  timeout: Duration;
  memorySize: number;
  /**
   * Executions reserved for this function, which are also the most it may run at once; none
   * reserved when absent (docs/deploy.md, "Reserved concurrency").
   */
  reservedConcurrentExecutions?: number;
  /** More data files copied next to the bundle: name in the bundle → absolute source path. */
  files?: Readonly<Record<string, string>>;
}

/**
 * Lambda environment variable names the runtime reserves: setting one fails the deployment
 * (https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars.html#configuration-envvars-runtime).
 */
export const RESERVED_ENVIRONMENT_KEYS: ReadonlySet<string> = new Set([
  '_HANDLER',
  '_X_AMZN_TRACE_ID',
  'AWS_DEFAULT_REGION',
  'AWS_REGION',
  'AWS_EXECUTION_ENV',
  'AWS_LAMBDA_FUNCTION_NAME',
  'AWS_LAMBDA_FUNCTION_MEMORY_SIZE',
  'AWS_LAMBDA_FUNCTION_VERSION',
  'AWS_LAMBDA_INITIALIZATION_TYPE',
  'AWS_LAMBDA_LOG_GROUP_NAME',
  'AWS_LAMBDA_LOG_STREAM_NAME',
  'AWS_ACCESS_KEY',
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_SESSION_TOKEN',
  'AWS_LAMBDA_RUNTIME_API',
  'LAMBDA_TASK_ROOT',
  'LAMBDA_RUNTIME_DIR',
]);

/**
 * One Nudge Lambda: esbuild-bundled ESM on nodejs22.x/arm64 with the validated project
 * (nudge-project.json: rules, templates and settings) copied next to the bundle, its own log group with a set retention, X-Ray
 * tracing, and its own role that starts with nothing but writing to that log group. Each concern
 * then grants exactly what the function calls.
 */
export class NudgeFunction extends Construct {
  readonly function: NodejsFunction;
  readonly role: Role;
  readonly logGroup: LogGroup;

  constructor(scope: Construct, id: string, props: NudgeFunctionProps) {
    super(scope, id);
    const { settings } = props;
    const environment: Record<string, string> = {
      // The names the Powertools logger and metrics read; the alarms use the same (alarms.ts).
      POWERTOOLS_SERVICE_NAME: serviceNameOf(props.name),
      POWERTOOLS_METRICS_NAMESPACE: metricsNamespace(settings.stage),
      POWERTOOLS_LOG_LEVEL: settings.logLevel,
      NUDGE_RETENTION_DAYS: String(settings.retentionDays),
      ...props.environment,
    };
    const reserved = Object.keys(environment).filter((key) => RESERVED_ENVIRONMENT_KEYS.has(key));
    if (reserved.length > 0)
      throw new Error(`${props.name}: reserved Lambda variables set: ${reserved.join(', ')}`);

    this.logGroup = new LogGroup(this, 'Logs', {
      logGroupName: `/nudge/${settings.stage}/${props.name}`,
      retention: settings.logRetentionDays,
      removalPolicy: settings.isProduction ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    });

    // An own role instead of the default one with AWSLambdaBasicExecutionRole: that managed
    // policy may create log groups and write to every one in the account.
    this.role = new Role(this, 'Role', {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: `Nudge ${props.name} function (${settings.stage})`,
    });
    this.logGroup.grantWrite(this.role);

    const { projectFile } = props;
    this.function = new NodejsFunction(this, 'Function', {
      entry: join(REPO_ROOT, HANDLER_ENTRIES[props.name]),
      handler: 'handler',
      description: props.description,
      runtime: Runtime.NODEJS_22_X,
      architecture: Architecture.ARM_64,
      memorySize: props.memorySize,
      timeout: props.timeout,
      ...(props.reservedConcurrentExecutions === undefined
        ? {}
        : { reservedConcurrentExecutions: props.reservedConcurrentExecutions }),
      role: this.role,
      logGroup: this.logGroup,
      tracing: Tracing.ACTIVE,
      environment,
      projectRoot: REPO_ROOT,
      depsLockFilePath: join(REPO_ROOT, 'package-lock.json'),
      bundling: {
        forceDockerBundling: false,
        format: OutputFormat.ESM,
        target: NODE_TARGET,
        minify: true,
        // Source maps would double the upload and, with --enable-source-maps, slow every cold start.
        sourceMap: false,
        mainFields: MAIN_FIELDS,
        banner: ESM_REQUIRE_BANNER,
        bundleAwsSDK: true,
        externalModules: EXTERNAL_MODULES,
        commandHooks: {
          beforeBundling: () => [],
          beforeInstall: () => [],
          // The validated rules, templates and settings (nudge-project.json), read at cold start
          // from LAMBDA_TASK_ROOT (readDeployedProject). Copied into the output, the file is part
          // of the asset hash: a rule edit redeploys.
          afterBundling: (_inputDir: string, outputDir: string) => [
            `cp ${shellQuote(projectFile)} ${shellQuote(join(outputDir, DEPLOYED_PROJECT_FILE))}`,
            ...Object.entries(props.files ?? {}).map(
              ([name, source]) => `cp ${shellQuote(source)} ${shellQuote(join(outputDir, name))}`,
            ),
          ],
        },
      },
    });

    acknowledgeNag(
      this.role,
      'AwsSolutions-IAM5[Resource::*]',
      'Only the X-Ray statement Tracing.ACTIVE adds (xray:PutTraceSegments, xray:PutTelemetryRecords) uses ' +
        'Resource "*": these X-Ray actions support no resource-level permissions. Every other statement of ' +
        'this role names its resources (tests/infra asserts no other "*").',
    );
    acknowledgeNag(
      this.function,
      'AwsSolutions-L1',
      'nodejs22.x is chosen on purpose, not by neglect: the bundles target node22 and the dependency set ' +
        '(AWS SDK v3, twilio, Powertools) is tested on Node 22; nodejs24.x is adopted after the suite runs on ' +
        'Node 24. Node 22 is an LTS line supported by Lambda.',
    );
  }
}

function shellQuote(path: string): string {
  return `'${path.replaceAll("'", `'\\''`)}'`;
}
