// Lambda entry: SQS (journey events delivered by the EventBridge rule) → evaluate.
import { createLogger } from '../adapters/logging/logger.ts';
import { PowertoolsMetrics } from '../adapters/metrics/powertools-metrics.ts';
import { systemClock } from '../adapters/system-clock.ts';
import { compileRuleSet } from '../core/rules/rule-set.ts';
import { composeEvaluate, followActive } from '../wiring/compose.ts';
import { readDeployedProject } from './deployed-project.ts';
import { evaluateRecordHandler } from './evaluate-records.ts';
import { readEnvironment } from './lambda-environment.ts';
import { activeProject, compileVersion, dynamoStores, sendScheduler } from './lambda-wiring.ts';
import { createSqsBatchHandler } from './sqs-batch.ts';

const logger = createLogger('nudge-evaluate');
// Namespace and service from POWERTOOLS_METRICS_NAMESPACE / POWERTOOLS_SERVICE_NAME (the stack sets both).
const metrics = new PowertoolsMetrics();
const env = readEnvironment();
const stores = dynamoStores(env);
// The rules run are the table's active rule-set version (read through a 30 s cache, so a publish
// is live without a deploy); the bundled project, validated at synthesis, seeds a fresh table.
const bundled = readDeployedProject(env.NUDGE_PROJECT_DIR);
const active = activeProject({
  stores,
  bundled,
  compile: compileVersion,
  log: (message, fields) => logger.warn(message, fields),
});
const deps = composeEvaluate({
  stores,
  scheduler: sendScheduler(env),
  clock: systemClock,
  // Until the first batch reads the table (cold start stays free of DynamoDB calls). That batch
  // swaps in the active version (`follow`, in the handler) before it reads a record, compiled by
  // `compileVersion` whether it is a published one or the bundled one seeding a fresh table; so
  // the bundled rules are not compiled here too (synthesis validated them: compile-project.ts).
  project: { settings: bundled.settings, rules: compileRuleSet([]) },
});
const follow = followActive(active, (project) => Object.assign(deps, project));

const batch = createSqsBatchHandler(
  evaluateRecordHandler(deps, (message, fields, level = 'info') => logger[level](message, fields), metrics),
  { logger, metrics },
);

/** Each batch runs the active rule-set version (swapped in when the pointer moved). */
export const handler: typeof batch = async (event, context) => {
  await follow();
  return batch(event, context);
};
