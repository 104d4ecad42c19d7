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

const HTML_SPECIAL = /[&<>"']/;
/** A blank line (spaces and tabs allowed on it): what separates paragraphs. */
const BLANK_LINE = /\n[ \t]*\n/;

/** Escapes the five characters that are special in HTML text and attribute values. */
export function escapeHtml(text: string): string {
  // Most text has none of them: a test is cheaper than a replace that finds nothing.
  return HTML_SPECIAL.test(text) ? text.replace(/[&<>"']/g, (char) => HTML_ESCAPES[char] ?? char) : text;
}

/**
 * Plain text to an HTML fragment: everything escaped, each run of lines separated by a blank line
 * becomes a `<p>`, single newlines inside it become `<br>`. Links are not made clickable; mail
 * clients do that for visible URLs.
 *
 * @example textToHtml('Hej Åsa,\n\nvi ses <snart>.\nMvh') // '<p>Hej Åsa,</p>\n<p>vi ses &lt;snart&gt;.<br>\nMvh</p>'
 */
export function textToHtml(text: string): string {
  // One paragraph, as most short emails are (every email without an HTML section comes here):
  // what the split, trim and filter below give for it, without their arrays.
  if (!BLANK_LINE.test(text)) {
    const paragraph = text.trim();
    return paragraph === '' ? '' : paragraphHtml(paragraph);
  }
  return text
    .split(BLANK_LINE)
    .map((paragraph) => paragraph.trim())
    .filter((paragraph) => paragraph !== '')
    .map(paragraphHtml)
    .join('\n');
}

function paragraphHtml(paragraph: string): string {
  const lines = paragraph.includes('\n')
    ? paragraph.split('\n').map(escapeHtml).join('<br>\n')
    : escapeHtml(paragraph);
  return `<p>${lines}</p>`;
}
