import { Logger } from '@aws-lambda-powertools/logger';
import { piiSafeReplacer } from '../../core/customers/mask-pii.ts';

/**
 * The Powertools logger every function uses: structured JSON, with phone numbers and emails
 * masked and bodies and secrets dropped in every line, whoever logs what.
 */
export function createLogger(serviceName: string): Logger {
  return new Logger({ serviceName, jsonReplacerFn: piiSafeReplacer });
}
