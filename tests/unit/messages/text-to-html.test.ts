import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { escapeHtml, textToHtml } from '../../../functions/core/messages/text-to-html.ts';

/** The plain definition textToHtml's one-paragraph shortcut must agree with. */
function reference(text: string): string {
  const escaped = (line: string) =>
    line.replace(
      /[&<>"']/g,
      (char) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[char] ?? char,
    );
  return text
    .split(/\n[ \t]*\n/)
    .map((paragraph) => paragraph.trim())
    .filter((paragraph) => paragraph !== '')
    .map((paragraph) => `<p>${paragraph.split('\n').map(escaped).join('<br>\n')}</p>`)
    .join('\n');
}

describe('textToHtml', () => {
  it('makes paragraphs of blank-line-separated runs and <br> of single newlines, escaped', () => {
    expect(textToHtml('Hej Åsa,\n\nvi ses <snart>.\nMvh')).toBe(
      '<p>Hej Åsa,</p>\n<p>vi ses &lt;snart&gt;.<br>\nMvh</p>',
    );
    expect(textToHtml('Thanks Anna.\n')).toBe('<p>Thanks Anna.</p>');
    expect(textToHtml(' \n\t\n ')).toBe('');
    expect(textToHtml('')).toBe('');
    expect(escapeHtml(`a&b<c>"d'`)).toBe('a&amp;b&lt;c&gt;&quot;d&#39;');
  });

  it('says what the plain split, trim, filter and escape say, one paragraph or many', () => {
    const piece = fc.constantFrom('a', 'Å', ' ', '\t', '\n', '\r', '&', '<', '>', '"', "'", '\u00a0', 'x y');
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 40 }), (pieces) => {
        const text = pieces.join('');
        expect(textToHtml(text)).toBe(reference(text));
      }),
      { numRuns: 3_000, seed: 11 },
    );
  });
});
