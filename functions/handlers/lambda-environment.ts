import * as z from 'zod';

/**
 * Configuration read once at cold start. Environment variables carry names and ARNs only;
 * secrets come from Secrets Manager. A missing or malformed variable fails the cold start with a
 * message naming it, rather than a confusing error on the first event.
 */
const EnvironmentSchema = z.object({
  NUDGE_TABLE_NAME: z.string().min(3).optional(),
  NUDGE_EVENT_BUS_NAME: z.string().min(1).optional(),
  NUDGE_SEND_QUEUE_URL: z.url().optional(),
  NUDGE_SEND_QUEUE_ARN: z.string().startsWith('arn:').optional(),
  NUDGE_SCHEDULE_GROUP: z.string().min(1).optional(),
  NUDGE_SCHEDULER_ROLE_ARN: z.string().startsWith('arn:').optional(),
  NUDGE_SCHEDULER_DLQ_ARN: z.string().startsWith('arn:').optional(),
  NUDGE_TWILIO_SECRET_ARN: z.string().startsWith('arn:').optional(),
  NUDGE_SENDGRID_SECRET_ARN: z.string().startsWith('arn:').optional(),
  NUDGE_UNSUBSCRIBE_SECRET_ARN: z.string().startsWith('arn:').optional(),
  NUDGE_WEBHOOK_BASE_URL: z.url().optional(),
  NUDGE_RETENTION_DAYS: z.coerce.number().int().min(1).max(3650).default(400),
  /** The console function: its public URL (origin of the Host/CSRF checks, base of the OIDC redirect). */
  NUDGE_CONSOLE_URL: z.url().optional(),
  /** The console's OIDC issuer (the stack's Cognito user pool or the company's IdP), client and groups claim. */
  NUDGE_OIDC_ISSUER: z.url().optional(),
  NUDGE_OIDC_CLIENT_ID: z.string().min(1).optional(),
  NUDGE_OIDC_CLIENT_SECRET_ARN: z.string().startsWith('arn:').optional(),
  NUDGE_OIDC_GROUPS_CLAIM: z.string().min(1).default('cognito:groups'),
  /** The folder holding nudge-project.json (deployed-project.ts); LAMBDA_TASK_ROOT when unset. */
  NUDGE_PROJECT_DIR: z.string().optional(),
});
export type Environment = z.output<typeof EnvironmentSchema>;

/** Reads and validates the environment, or throws one error listing every malformed variable. */
export function readEnvironment(env: NodeJS.ProcessEnv = process.env): Environment {
  const parsed = EnvironmentSchema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues
      .map((issue) => `${issue.path.join('.')}: ${issue.message}`)
      .join('; ');
    throw new Error(`Nudge configuration is invalid: ${problems}`);
  }
  return parsed.data;
}

/** A variable this function cannot run without. */
export function need<K extends keyof Environment>(
  environment: Environment,
  key: K,
): NonNullable<Environment[K]> {
  const value = environment[key];
  if (value === undefined || value === null)
    throw new Error(`Nudge configuration is invalid: ${key} is not set`);
  return value;
}
