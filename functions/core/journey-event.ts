import { DateTime } from 'luxon';
import { z } from 'zod';

/**
 * The EventBridge envelope of a journey event, as EventBridge delivers it to targets.
 * `detail` is the publisher's payload; Nudge reads the customer and the dates from it.
 */
export const JourneyEventSchema = z.looseObject({
  version: z.string().optional(),
  id: z.string().min(1).max(256),
  'detail-type': z.string().min(1).max(256),
  source: z.string().min(1).max(256),
  account: z.string().optional(),
  time: z.string().refine((value) => DateTime.fromISO(value, { setZone: true }).isValid, {
    message: 'expected an ISO-8601 time such as 2026-11-23T09:00:00Z',
  }),
  region: z.string().optional(),
  resources: z.array(z.string()).optional(),
  detail: z.record(z.string(), z.unknown()),
});
export type JourneyEvent = z.infer<typeof JourneyEventSchema>;

/** Parses untrusted input into a journey event, or a reason naming the field at fault. */
export function parseJourneyEvent(
  input: unknown,
): { ok: true; event: JourneyEvent } | { ok: false; reason: string } {
  const parsed = JourneyEventSchema.safeParse(input);
  if (parsed.success) return { ok: true, event: parsed.data };
  const reason = parsed.error.issues
    .map((issue) => `${issue.path.map(String).join('.') || '(event)'}: ${issue.message}`)
    .join('; ');
  return { ok: false, reason };
}
