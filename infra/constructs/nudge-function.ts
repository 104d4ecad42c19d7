import { createHash } from 'node:crypto';
import { copyFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AssetHashType, DockerImage, type Duration, type ILocalBundling, RemovalPolicy } from 'aws-cdk-lib';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Architecture, Code, Function as LambdaFunction, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import { LogGroup } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { DEPLOYED_PROJECT_FILE } from '../../functions/handlers/deployed-project.ts';
import { bundleHandler, HANDLER_ENTRIES, type NudgeFunctionName } from '../bundling.ts';
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
 * One Nudge Lambda: esbuild-bundled ESM on nodejs22.x/arm64 (infra/bundling.ts: `index.mjs` and
 * the `chunks/` it loads on first use) with the validated project
 * (nudge-project.json: rules, templates and settings) copied next to the bundle, its own log group with a set retention, X-Ray
 * tracing, and its own role that starts with nothing but writing to that log group. Each concern
 * then grants exactly what the function calls.
 */
export class NudgeFunction extends Construct {
  readonly function: LambdaFunction;
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
    const entry = join(REPO_ROOT, HANDLER_ENTRIES[props.name]);
    // A plain Function with CDK's local bundling rather than NodejsFunction: NodejsFunction runs
    // esbuild with --outfile, which code splitting cannot use, so splitting there would take a
    // second esbuild pass per function (twice the synthesis time). This is one pass, through
    // esbuild's API, with the same options npm run size and the cold-start benchmark use.
    const code = Code.fromAsset(REPO_ROOT, {
      // Hashed by what is deployed: the bundle, its chunks and the validated project beside them
      // (a rule edit redeploys).
      assetHashType: AssetHashType.OUTPUT,
      bundling: {
        // Never pulled: local bundling always answers (esbuild is a dev dependency), and a
        // failing build throws rather than falling back to Docker.
        image: DockerImage.fromRegistry('dummy'),
        local: new LocalHandlerBundling(entry, projectFile, props.files ?? {}),
      },
    });
    this.function = new LambdaFunction(this, 'Function', {
      code,
      handler: 'index.handler',
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

/**
 * Bundles one handler on this machine (infra/bundling.ts, one esbuild pass) and copies the
 * validated rules, templates and settings (nudge-project.json, read at cold start from
 * LAMBDA_TASK_ROOT by readDeployedProject) and any other data files beside it.
 */
class LocalHandlerBundling implements ILocalBundling {
  /**
   * What the output is made of: the entry and a digest of the files copied beside it. CDK reuses
   * one bundling output for bundling options that serialise alike, and serialises this object's
   * fields (not its method): without them every function would get the first one's bundle.
   */
  readonly inputs: { entry: string; files: string };

  constructor(
    private readonly entry: string,
    private readonly projectFile: string,
    private readonly files: Readonly<Record<string, string>>,
  ) {
    const hash = createHash('sha256');
    for (const file of [projectFile, ...Object.values(files)]) hash.update(readFileSync(file)).update('\0');
    this.inputs = { entry, files: hash.digest('hex') };
  }

  tryBundle(outputDir: string): boolean {
    bundleHandler(this.entry, outputDir);
    copyFileSync(this.projectFile, join(outputDir, DEPLOYED_PROJECT_FILE));
    for (const [name, source] of Object.entries(this.files)) copyFileSync(source, join(outputDir, name));
    return true;
  }
}
