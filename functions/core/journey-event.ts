/**
 * The EventBridge envelope of a journey event, as EventBridge delivers it to targets.
 * `detail` is the publisher's payload; Nudge reads the customer and the dates from it.
 */
export interface JourneyEvent {
  version?: string;
  id: string;
  'detail-type': string;
  source: string;
  account?: string;
  time: string;
  region?: string;
  resources?: string[];
  detail: Record<string, unknown>;
}
