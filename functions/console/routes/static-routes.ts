import type { Route } from './route.ts';

/** Fixed answers outside the pages and the API. */
export const STATIC_ROUTES: readonly Route[] = [
  { path: '/favicon.ico', role: 'viewer', methods: { GET: favicon } },
];

// No icon: a 204 the browser may cache, instead of a 404 page on every load.
async function favicon(): Promise<Response> {
  return new Response(null, { status: 204, headers: { 'cache-control': 'max-age=3600' } });
}
