/**
 * What one unit of work costs in DynamoDB, by the partition it lands on: the measured input of
 * the capacity model. A unit of work is one SMS message (event → send → delivery report), one
 * email message, one reminder (event → schedule → send later), one cancel (a closing event that
 * cancels a pending reminder), one inbound reply, or one event counted by a threshold rule. The figures come
 * from a pass over the real handlers on DynamoDB Local (bench/capacity/measure.ts), or from a
 * file an earlier pass saved.
 */
import * as z from 'zod';

export const WORK = ['sms', 'email', 'reminder', 'cancel', 'reply', 'threshold'] as const;
export type Work = (typeof WORK)[number];

/**
 * Where an access lands: a table partition by its key prefix (`table:MSG`, `table:CUST`, …) or
 * an index (`index:outbox`).
 */
export type Target = `table:${string}` | `index:${string}`;

const AccessSchema = z.object({
  target: z.string().regex(/^(table|index):.+$/),
  op: z.enum(['read', 'write']),
  /** API calls per unit of work that touched this target (a BatchGetItem key counts once). */
  calls: z.number().nonnegative(),
  /** Capacity units per unit of work DynamoDB reported for this target. */
  units: z.number().nonnegative(),
  /**
   * A consistent `Select: COUNT` Query over a time range (the threshold window): its cost grows
   * with the entries in the window, so the model computes it from the rate and the window
   * instead of using the measured units.
   */
  windowCount: z.boolean(),
});

export type Access = z.infer<typeof AccessSchema>;

export const ProfileSchema = z.object({
  /** How the figures were obtained, printed with the table. */
  source: z.string(),
  measuredAt: z.string(),
  work: z.record(
    z.enum(WORK),
    z.object({
      samples: z.number().int().positive(),
      /** DynamoDB calls per unit of work by API operation (`GetItem`, `PutItem`, …). */
      operations: z.record(z.string(), z.number().nonnegative()),
      accesses: z.array(AccessSchema),
    }),
  ),
  /** Outcome events Nudge published per unit of work. */
  outcomeEvents: z.record(z.enum(WORK), z.number().nonnegative()),
  /**
   * Of those, the send step's (`MessageSent`): put on the bus once per SQS batch of sends. Every
   * other outcome is the webhook's, queued and relayed 10 per call (functions/handlers/outcome-relay-records.ts).
   */
  sentOutcomeEvents: z.record(z.enum(WORK), z.number().nonnegative()),
  /** Webhook invocations per unit of work: provider status callbacks, and the inbound message of a reply. */
  callbacks: z.record(z.enum(WORK), z.number().nonnegative()),
  /** Bytes of one threshold entry item as stored (the COUNT reads this many per entry). */
  thresholdEntryBytes: z.number().positive(),
});

export type Profile = z.infer<typeof ProfileSchema>;
