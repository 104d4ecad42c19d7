/**
 * `GET /api/rules/:id/stats?days=30`: a rule's daily counters (thin: parse, call the backend,
 * answer JSON). Days are UTC days, the last one today.
 */
import { RULE_COUNTERS } from '../../app/rule-stat-counters.ts';
import { MAX_STATS_DAYS } from '../../app/rule-stats-report.ts';
import { ConsoleHttpError, jsonResponse } from '../http-io.ts';
import type { Route, RouteContext } from './route.ts';

/** The days a stats request covers when it does not say. */
const DEFAULT_DAYS = 30;

/** Under `/api/`. */
export const RULE_STATS_ROUTES: readonly Route[] = [
  { path: '/api/rules/:id/stats', role: 'viewer', methods: { GET: getRuleStats } },
];

async function getRuleStats({ backend, params, url }: RouteContext): Promise<Response> {
  const id = params.id ?? '';
  const days = daysParam(url);
  const report = await backend.ruleStats(id, days);
  if (report === undefined) throw new ConsoleHttpError(404, 'not-found', `no rule with id ${id}`);
  return jsonResponse(200, { ...report, timeZone: 'UTC', counters: RULE_COUNTERS });
}

/** `days`: 1 to {@link MAX_STATS_DAYS}, default {@link DEFAULT_DAYS}; else a 400. */
function daysParam(url: URL): number {
  const raw = url.searchParams.get('days');
  if (raw === null || raw === '') return DEFAULT_DAYS;
  const value = Number(raw);
  if (!/^\d+$/.test(raw) || value < 1 || value > MAX_STATS_DAYS) {
    throw new ConsoleHttpError(
      400,
      'invalid-days',
      `days must be an integer from 1 to ${MAX_STATS_DAYS}, got ${raw}`,
    );
  }
  return value;
}
