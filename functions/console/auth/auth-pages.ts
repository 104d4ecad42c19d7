/**
 * The few pages sign-in itself shows (refused, failed, signed out), as pure render functions:
 * plain HTML, no script, every value escaped. The console's own pages come from its layout.
 */

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** Escapes text for an HTML element or a quoted attribute. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => ESCAPES[char] ?? char);
}

/** A whole, self-contained page: a heading, paragraphs of text, and optional actions. */
export function renderAuthPage(input: {
  title: string;
  paragraphs: ReadonlyArray<string>;
  /** A link (GET) or a button that posts (sign-out). */
  actions?: ReadonlyArray<{ label: string; href: string; method?: 'get' | 'post' }>;
}): string {
  const paragraphs = input.paragraphs.map((text) => `<p>${escapeHtml(text)}</p>`).join('\n');
  const actions = (input.actions ?? [])
    .map((action) =>
      action.method === 'post'
        ? `<form method="post" action="${escapeHtml(action.href)}"><button type="submit">${escapeHtml(action.label)}</button></form>`
        : `<p><a href="${escapeHtml(action.href)}">${escapeHtml(action.label)}</a></p>`,
    )
    .join('\n');
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${escapeHtml(input.title)} · Nudge</title></head>
<body>
<main class="auth-page">
<h1>${escapeHtml(input.title)}</h1>
${paragraphs}
${actions}
</main>
</body>
</html>
`;
}
