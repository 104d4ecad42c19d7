import type { Route, RouteContext } from './route.ts';

/** Fixed answers outside the pages and the API. */
export const STATIC_ROUTES: readonly Route[] = [{ pattern: /^\/favicon\.ico$/, methods: { GET: favicon } }];

// No icon: a 204 the browser may cache, instead of a 404 page on every load.
async function favicon({ res }: RouteContext): Promise<void> {
  res.writeHead(204, { 'cache-control': 'max-age=3600' }).end();
}
