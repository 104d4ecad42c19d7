// Lambda entry: SQS (journey events delivered by the EventBridge rule) → evaluate.
import { createLogger } from '../adapters/logging/logger.ts';
import { systemClock } from '../adapters/system-clock.ts';
import { evaluateRecordHandler } from './evaluate-records.ts';
import { loadDeployedProject, readEnvironment } from './lambda-environment.ts';
import { journeyStore, sendScheduler } from './lambda-wiring.ts';
import { createSqsBatchHandler } from './sqs-batch.ts';

const logger = createLogger('nudge-evaluate');
const env = readEnvironment();
const project = loadDeployedProject(env.NUDGE_PROJECT_DIR);

export const handler = createSqsBatchHandler(
  evaluateRecordHandler(
    {
      store: journeyStore(env),
      scheduler: sendScheduler(env),
      clock: systemClock,
      settings: project.settings,
      rules: project.rules,
    },
    (message, fields) => logger.info(message, fields),
  ),
);
