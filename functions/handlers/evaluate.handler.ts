// Lambda entry: SQS (journey events delivered by the EventBridge rule) → evaluate.
import { createLogger } from '../adapters/logging/logger.ts';
import { PowertoolsMetrics } from '../adapters/metrics/powertools-metrics.ts';
import { systemClock } from '../adapters/system-clock.ts';
import { compileRuleSet } from '../core/rules/rule-set.ts';
import { composeEvaluate } from '../wiring/compose.ts';
import { readDeployedProject } from './deployed-project.ts';
import { evaluateRecordHandler } from './evaluate-records.ts';
import { readEnvironment } from './lambda-environment.ts';
import { dynamoStores, sendScheduler } from './lambda-wiring.ts';
import { createSqsBatchHandler } from './sqs-batch.ts';

const logger = createLogger('nudge-evaluate');
// Namespace and service from POWERTOOLS_METRICS_NAMESPACE / POWERTOOLS_SERVICE_NAME (the stack sets both).
const metrics = new PowertoolsMetrics();
const env = readEnvironment();
// Validated at synthesis (compile-project.ts): only the rule index is built here.
const project = readDeployedProject(env.NUDGE_PROJECT_DIR);

export const handler = createSqsBatchHandler(
  evaluateRecordHandler(
    composeEvaluate({
      stores: dynamoStores(env),
      scheduler: sendScheduler(env),
      clock: systemClock,
      project: { settings: project.settings, rules: compileRuleSet(project.rules) },
    }),
    (message, fields, level = 'info') => logger[level](message, fields),
    metrics,
  ),
  { logger, metrics },
);
