import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as z from 'zod';
import { UnsubscribeSecretSchema } from '../../functions/adapters/secrets/provider-secrets.ts';

/** The file under the data directory (`.nudge/` by default) that keeps the generated key. */
export const LOCAL_UNSUBSCRIBE_KEY_FILE = 'unsubscribe-signing-key';

const SecretsFileSchema = z.looseObject({ unsubscribe: UnsubscribeSecretSchema.optional() });

/**
 * A signing key the developer configured for one-click unsubscribe links: the environment
 * (`NUDGE_UNSUBSCRIBE_SIGNING_KEY`) first, then `unsubscribe.signingKey` in the git-ignored
 * `nudge.secrets.json` (the same JSON as the Secrets Manager secret). Undefined when neither is
 * set. A key that is too short is an error naming where it came from, never its value.
 */
export function configuredUnsubscribeSigningKey(
  env: NodeJS.ProcessEnv,
  secretsFile: string,
): string | undefined {
  const fromEnv = env.NUDGE_UNSUBSCRIBE_SIGNING_KEY;
  if (fromEnv !== undefined) {
    if (!UnsubscribeSecretSchema.safeParse({ signingKey: fromEnv }).success)
      throw new Error('NUDGE_UNSUBSCRIBE_SIGNING_KEY must be at least 32 characters');
    return fromEnv;
  }
  if (!existsSync(secretsFile)) return undefined;
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(secretsFile, 'utf8'));
  } catch {
    throw new Error(`${secretsFile} is not valid JSON`);
  }
  const parsed = SecretsFileSchema.safeParse(json);
  if (!parsed.success)
    throw new Error(`${secretsFile}: unsubscribe.signingKey must be at least 32 characters`);
  return parsed.data.unsubscribe?.signingKey;
}

/**
 * The key the local runtime signs unsubscribe links with when none is configured: generated once
 * into `<dataDir>/unsubscribe-signing-key` (readable by the owner only), so links in mail sent
 * before a restart keep working as long as the data does; random per start without a data dir.
 */
export function localUnsubscribeSigningKey(dataDir: string | undefined): string {
  if (dataDir === undefined) return randomBytes(32).toString('base64url');
  const file = join(dataDir, LOCAL_UNSUBSCRIBE_KEY_FILE);
  if (existsSync(file)) {
    const stored = readFileSync(file, 'utf8').trim();
    if (UnsubscribeSecretSchema.safeParse({ signingKey: stored }).success) return stored;
  }
  const key = randomBytes(32).toString('base64url');
  mkdirSync(dataDir, { recursive: true });
  writeFileSync(file, `${key}\n`, { mode: 0o600 });
  return key;
}
