/**
 * HTML for an email whose template has no `--- html` section, made from its rendered text body.
 */

const HTML_ESCAPES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** Escapes the five characters that are special in HTML text and attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => HTML_ESCAPES[char] ?? char);
}

/**
 * Plain text to an HTML fragment: everything escaped, each run of lines separated by a blank line
 * becomes a `<p>`, single newlines inside it become `<br>`. Links are not made clickable; mail
 * clients do that for visible URLs.
 *
 * @example textToHtml('Hej Åsa,\n\nvi ses <snart>.\nMvh') // '<p>Hej Åsa,</p>\n<p>vi ses &lt;snart&gt;.<br>\nMvh</p>'
 */
export function textToHtml(text: string): string {
  return text
    .split(/\n[ \t]*\n/)
    .map((paragraph) => paragraph.trim())
    .filter((paragraph) => paragraph !== '')
    .map((paragraph) => `<p>${paragraph.split('\n').map(escapeHtml).join('<br>\n')}</p>`)
    .join('\n');
}
