import type { ConsoleBackend } from '../console-backend.ts';
import type { CustomerZones } from '../customer-zones.ts';
import type { MetricsSource } from '../metrics-route.ts';

/** The methods the console answers (HEAD is answered by the GET handler). */
export type Method = 'GET' | 'POST';

/**
 * The console's roles, from least to most specialised: `viewer` reads everything (contact data
 * masked), `editor` also drafts and tries rules and sends test events, `publisher` also publishes
 * and rolls back, `privacy` reads unmasked contact data and exports or erases a customer.
 */
const ROLES = ['viewer', 'editor', 'publisher', 'privacy'] as const;

/** One of {@link ROLES}. */
export type Role = (typeof ROLES)[number];

/** What a route handler gets: the web-standard request and the console's backend. */
export interface RouteContext {
  req: Request;
  url: URL;
  /** Decoded path parameters by name (`:id` → `params.id`). */
  params: Record<string, string>;
  /** This response's CSP nonce (pages only use it). */
  nonce: string;
  backend: ConsoleBackend;
  zones: CustomerZones;
  /** The local runtime's in-memory metrics (`GET /api/metrics`), when there is one. */
  metrics?: MetricsSource;
  /** Who is asking: the signed-in user's subject, or `local:<os user>` on an open local console. */
  actor?: string;
  /**
   * Whether the reader holds `role` (a page offers only the buttons its reader may press; the
   * route's own role check is what refuses). Absent: no sign-in, every button shown.
   */
  may?: (role: Role) => boolean;
}

/** Answers one request. */
type RouteHandler = (ctx: RouteContext) => Promise<Response>;

/**
 * One route: a hono path (`/messages/:id`), a handler per method and the least role allowed to
 * call it (the auth middleware, when there is one, reads it; locally without auth it is unused).
 */
export interface Route {
  path: string;
  role: Role;
  methods: Partial<Record<Method, RouteHandler>>;
}
