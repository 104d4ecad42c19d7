/**
 * The local DynamoDB of `npm start`: Amazon DynamoDB Local when Java 17+ is there, otherwise
 * dynalite, with one line saying so. Both are real DynamoDB API servers the AWS SDK talks to over
 * HTTP, so the store and everything above it run unchanged on either.
 */
import { join } from 'node:path';
import { startDynalite } from './dynalite-server.ts';
import { startDynamoDbLocal } from './dynamodb-local.ts';
import { DynamoDbLocalError, DynamoDbLocalErrorCode } from './dynamodb-local-error.ts';
import { MINIMUM_JAVA_MAJOR_VERSION } from './java-runtime.ts';

/** Which server to run: `auto` is DynamoDB Local, or dynalite when Java 17+ is not usable. */
export const DynamoDbEngineChoice = {
  auto: 'auto',
  dynamodbLocal: 'dynamodb-local',
  dynalite: 'dynalite',
} as const;

/** One of the {@link DynamoDbEngineChoice} values. */
export type DynamoDbEngineChoice = (typeof DynamoDbEngineChoice)[keyof typeof DynamoDbEngineChoice];

/** The server actually running. */
export type DynamoDbEngine = Exclude<DynamoDbEngineChoice, 'auto'>;

/** Options of {@link startLocalDynamoDb}. */
export interface LocalDynamoDbOptions {
  /** Default `auto`. */
  engine?: DynamoDbEngineChoice;
  /**
   * The data folder: each engine keeps its own subfolder of it ({@link localDynamoDbDataDirs}),
   * since neither reads the other's files. In memory when absent.
   */
  dataDir?: string;
  /** Receives the servers' own log lines (not the fallback notice: that is returned). */
  logger?: (line: string) => void;
  /** The Java for DynamoDB Local (default `java` on the PATH). */
  javaCommand?: string;
}

/** A running local DynamoDB, whichever engine. */
export interface LocalDynamoDb {
  engine: DynamoDbEngine;
  /** `http://127.0.0.1:<port>`. */
  endpoint: string;
  port: number;
  /**
   * One line for the developer when `auto` fell back to dynalite (why, and what to install for
   * DynamoDB Local); absent otherwise.
   */
  notice?: string;
  /** Stops the server and resolves when it is gone. Safe to call more than once. */
  stop(): Promise<void>;
}

/** The engine a run uses, or why the run must not start. */
export type EngineForRun = { ok: true; engine: DynamoDbEngineChoice } | { ok: false; error: string };

/**
 * `--live` (real Twilio and SendGrid credentials, real people's numbers and addresses) keeps its
 * data on storage other machines cannot reach: dynalite, which binds 127.0.0.1. DynamoDB Local
 * has no bind option and listens on every interface, so `--live` with `auto` runs on dynalite,
 * and `--live --dynamodb dynamodb-local` is refused with the reason.
 */
export function engineForRun(choice: DynamoDbEngineChoice, live: boolean): EngineForRun {
  if (!live) return { ok: true, engine: choice };
  if (choice === DynamoDbEngineChoice.dynamodbLocal) {
    return {
      ok: false,
      error:
        '--live keeps real customer data, and DynamoDB Local listens on every network interface (it has ' +
        'no bind option): run --live on dynalite (127.0.0.1 only), the default with --live, by leaving out ' +
        '--dynamodb dynamodb-local (or NUDGE_DYNAMODB=dynamodb-local).',
    };
  }
  return { ok: true, engine: DynamoDbEngineChoice.dynalite };
}

/** Where each engine keeps its data under `dataDir` (`--fresh` wipes both). */
export function localDynamoDbDataDirs(dataDir: string): Record<DynamoDbEngine, string> {
  return { 'dynamodb-local': join(dataDir, 'dynamodb'), dynalite: join(dataDir, 'dynalite') };
}

/**
 * Starts DynamoDB Local, or dynalite when asked to or when `auto` finds no usable Java.
 *
 * Only a missing or too old Java leads to the fallback: any other failure of DynamoDB Local (a
 * missing jar, a port taken, a crash) is an error to fix, not to paper over.
 *
 * @throws {DynamoDbLocalError} when the chosen (or fallen back to) server cannot start.
 */
export async function startLocalDynamoDb(options: LocalDynamoDbOptions = {}): Promise<LocalDynamoDb> {
  const engine = options.engine ?? DynamoDbEngineChoice.auto;
  const dirs = options.dataDir === undefined ? undefined : localDynamoDbDataDirs(options.dataDir);
  const logger = options.logger ?? (() => {});
  if (engine !== DynamoDbEngineChoice.dynalite) {
    try {
      const local = await startDynamoDbLocal({
        ...(dirs === undefined ? {} : { dataDir: dirs['dynamodb-local'] }),
        ...(options.javaCommand === undefined ? {} : { javaCommand: options.javaCommand }),
        logger,
      });
      return { engine: 'dynamodb-local', endpoint: local.endpoint, port: local.port, stop: local.stop };
    } catch (error) {
      if (engine === DynamoDbEngineChoice.dynamodbLocal || !isJavaUnusable(error)) throw error;
      const dynalite = await startDynalite({
        ...(dirs === undefined ? {} : { dataDir: dirs.dynalite }),
        logger,
      });
      return { engine: 'dynalite', ...dynalite, notice: fallbackNotice(error) };
    }
  }
  const dynalite = await startDynalite({ ...(dirs === undefined ? {} : { dataDir: dirs.dynalite }), logger });
  return { engine: 'dynalite', ...dynalite };
}

function isJavaUnusable(error: unknown): error is DynamoDbLocalError {
  return (
    error instanceof DynamoDbLocalError &&
    (error.code === DynamoDbLocalErrorCode.JavaMissing || error.code === DynamoDbLocalErrorCode.JavaTooOld)
  );
}

function fallbackNotice(error: DynamoDbLocalError): string {
  const why =
    error.code === DynamoDbLocalErrorCode.JavaTooOld
      ? `Java is older than ${MINIMUM_JAVA_MAJOR_VERSION}`
      : `Java ${MINIMUM_JAVA_MAJOR_VERSION}+ not found`;
  return (
    `${why}: using dynalite (in-process DynamoDB API) instead of DynamoDB Local — install Java ` +
    `${MINIMUM_JAVA_MAJOR_VERSION} for the real thing (apt-get install -y openjdk-17-jre-headless)`
  );
}
