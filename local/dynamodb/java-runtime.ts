import { execFile } from 'node:child_process';
import { DynamoDbLocalError, DynamoDbLocalErrorCode } from './dynamodb-local-error.ts';

/** DynamoDB Local 3.x is built for Java 17; older runtimes fail with an unhelpful class-version error. */
export const MINIMUM_JAVA_MAJOR_VERSION = 17;

const INSTALL_HINT =
  'Install a Java 17+ runtime, on Debian/Ubuntu: `apt-get install -y openjdk-17-jre-headless` ' +
  '(or any JDK/JRE ≥ 17 with `java` on the PATH).';

/** What `java -version` told us. */
export interface JavaRuntime {
  /** The command that was run. */
  command: string;
  /** Feature release number: 17 for `17.0.15`, 8 for `1.8.0_402`. */
  majorVersion: number;
  /** The first line `java -version` printed, for logs. */
  versionLine: string;
}

/**
 * Reads the major version from `java -version` output, or `undefined` when it has none.
 *
 * Java prints `openjdk version "17.0.15" 2025-04-15` (or `java version "1.8.0_402"` before
 * Java 9, where the major number is the second one). Some builds print `"21"` with no dots.
 */
export function parseJavaMajorVersion(output: string): number | undefined {
  const match = /version "(\d+)(?:\.(\d+))?[^"]*"/.exec(output);
  if (match === null) return undefined;
  const first = Number(match[1]);
  if (first === 1 && match[2] !== undefined) return Number(match[2]);
  return first;
}

/**
 * Checks that `command` is a Java runtime new enough for DynamoDB Local.
 *
 * @throws {DynamoDbLocalError} `JAVA_MISSING` when it cannot be run, `JAVA_TOO_OLD` when it is
 * older than {@link MINIMUM_JAVA_MAJOR_VERSION}; both messages carry the Debian install command.
 */
export async function checkJavaRuntime(command = 'java'): Promise<JavaRuntime> {
  // `java -version` writes to stderr, not stdout; read both to be safe with odd builds.
  const output = await new Promise<string>((resolve, reject) => {
    execFile(command, ['-version'], { timeout: 15_000 }, (error, stdout, stderr) => {
      if (error !== null) reject(error);
      else resolve(`${stderr}\n${stdout}`);
    });
  }).catch((error: unknown) => {
    throw new DynamoDbLocalError(
      DynamoDbLocalErrorCode.JavaMissing,
      `DynamoDB Local needs Java ${MINIMUM_JAVA_MAJOR_VERSION}+, but \`${command} -version\` could not be run ` +
        `(${describe(error)}). ${INSTALL_HINT}`,
      { cause: error },
    );
  });
  const versionLine = output.trim().split('\n')[0] ?? '';
  const majorVersion = parseJavaMajorVersion(output);
  if (majorVersion === undefined) {
    throw new DynamoDbLocalError(
      DynamoDbLocalErrorCode.JavaMissing,
      `DynamoDB Local needs Java ${MINIMUM_JAVA_MAJOR_VERSION}+, but \`${command} -version\` printed no ` +
        `version ("${versionLine}"). ${INSTALL_HINT}`,
    );
  }
  if (majorVersion < MINIMUM_JAVA_MAJOR_VERSION) {
    throw new DynamoDbLocalError(
      DynamoDbLocalErrorCode.JavaTooOld,
      `DynamoDB Local needs Java ${MINIMUM_JAVA_MAJOR_VERSION}+, but \`${command}\` is Java ${majorVersion} ` +
        `("${versionLine}"). ${INSTALL_HINT}`,
    );
  }
  return { command, majorVersion, versionLine };
}

function describe(error: unknown): string {
  if (error instanceof Error && 'code' in error && error.code === 'ENOENT') return 'not found on the PATH';
  return error instanceof Error ? error.message : String(error);
}
