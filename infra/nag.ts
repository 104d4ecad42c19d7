/**
 * cdk-nag acknowledgements (cdk-nag 3 uses CDK's `Validations.of(scope).acknowledge`, which
 * replaced v2's NagSuppressions). Each is placed on the narrowest construct that produces the
 * finding, names the finding exactly (`AwsSolutions-IAM5[Resource::…]`, never the bare rule),
 * and says why.
 */
import { Validations } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

/** Metadata key CDK records acknowledgements under. */
const ACKNOWLEDGED = Validations.ACKNOWLEDGED_RULES_METADATA_KEY;

/** Acknowledges one cdk-nag finding on `scope` and everything below it, with the reason. */
export function acknowledgeNag(scope: IConstruct, finding: string, reason: string): void {
  Validations.of(scope).acknowledge({ id: finding, reason });
}

/** One acknowledgement found in the construct tree. */
export interface NagAcknowledgement {
  path: string;
  finding: string;
  reason: string;
}

/** Every acknowledgement under `root`, for tests and reviews. */
export function listNagAcknowledgements(root: IConstruct): NagAcknowledgement[] {
  const found: NagAcknowledgement[] = [];
  for (const construct of root.node.findAll()) {
    for (const entry of construct.node.metadata) {
      if (entry.type !== ACKNOWLEDGED || typeof entry.data !== 'object' || entry.data === null) continue;
      for (const [key, reason] of Object.entries(entry.data)) {
        found.push({
          path: construct.node.path,
          finding: key.replace(/^annotation::/i, ''),
          reason: String(reason),
        });
      }
    }
  }
  return found;
}
