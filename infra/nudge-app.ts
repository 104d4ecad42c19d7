import { App, type AppProps, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { NudgeStack } from './nudge-stack.ts';
import { checkProject, sourcesOfRules, writeDeployedProject } from './project-files.ts';
import { readSettings } from './settings.ts';

/** The id of Nudge's one stack in the CDK app (`npx cdk deploy NudgeStack`). */
const STACK_ID = 'NudgeStack';

/**
 * Builds the CDK app: reads the context settings, validates the rules folder (before any
 * function is bundled, so a bad rule fails fast with its located messages), creates the stack
 * and registers cdk-nag's AWS Solutions checks, which fail synthesis on any unacknowledged finding.
 *
 * @throws Error on invalid context settings or an invalid rules folder.
 */
export function buildNudgeApp(props: AppProps = {}): { app: App; stack: NudgeStack } {
  const app = new App(props);
  const settings = readSettings(app.node);
  const project = checkProject(settings.projectDir);
  const sources = settings.sources ?? sourcesOfRules(project.rules);
  const stack = new NudgeStack(app, STACK_ID, {
    stackName: `nudge-${settings.stage}`,
    description: `Nudge proactive messaging (${settings.stage})`,
    settings,
    sources,
    projectFile: writeDeployedProject(project.deployed, app.outdir),
    env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
  });
  // cdk-nag 3 is a policy-validation plugin (not an Aspect): it runs after synthesis and its
  // findings fail `cdk synth`/`cdk deploy` unless acknowledged (infra/nag-acknowledgements.ts).
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));
  return { app, stack };
}
