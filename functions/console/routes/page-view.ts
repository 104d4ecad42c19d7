import type { ConsoleBackend } from '../console-backend.ts';
import { html, type SafeHtml } from '../html.ts';
import { htmlResponse } from '../http-io.ts';
import { layout, type PageFrame, type Section } from '../pages/layout.ts';
import type { RouteContext } from './route.ts';

type PageContext = Pick<RouteContext, 'backend' | 'nonce'>;

function frame(backend: ConsoleBackend, nonce: string): PageFrame {
  return { clock: backend.clock(), endpoints: backend.endpoints(), nonce };
}

/** A console page: `body` inside the layout (header, navigation, clock). */
export function page(
  ctx: PageContext,
  status: number,
  title: string,
  section: Section,
  body: SafeHtml,
): Response {
  return htmlResponse(status, layout(frame(ctx.backend, ctx.nonce), { title, section }, body), ctx.nonce);
}

/** An error page; a bare one when the backend itself fails to give the header data. */
export function errorPage(ctx: PageContext, status: number, title: string, message: string): Response {
  let body: SafeHtml;
  try {
    body = layout(
      frame(ctx.backend, ctx.nonce),
      { title, section: 'none' },
      html`<h1>${title}</h1><div class="error" role="alert">${message}</div><p><a href="/">Back to the outbox</a></p>`,
    );
  } catch {
    // The backend itself is failing: still answer with a page, just without the header data.
    body = html`<!doctype html><title>${title}</title><h1>${title}</h1><p>${message}</p>`;
  }
  return htmlResponse(status, body, ctx.nonce);
}
