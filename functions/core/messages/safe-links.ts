/**
 * Which links an email may carry: `http:`, `https:`, `mailto:`, `tel:`, or no scheme at all (a
 * fragment or a relative path, harmless in a mail). Anything else (`javascript:`, `data:`,
 * `vbscript:`, `file:` …) is refused, when the template is validated (the href as written) and
 * again when a message is rendered (the href after data went in).
 */

/** Schemes a link may use. */
const SAFE_LINK_SCHEMES: ReadonlySet<string> = new Set(['http', 'https', 'mailto', 'tel']);

/** The sentence every refusal ends with. */
export const SAFE_LINK_RULE = 'links must be http(s), mailto or tel';

/** An href that is not allowed, with where it starts in the HTML it was found in. */
export interface UnsafeLink {
  /** 0-based offset of the `href` attribute name in the HTML. */
  index: number;
  /** The scheme as a browser reads it (`javascript`), lower-cased. */
  scheme: string;
}

// An href attribute: its name after a tag name, whitespace, a quote or a slash, then its value
// in double quotes, single quotes or bare.
const HREF = /(?<=[\s"'/])href\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+))/gi;

const NAMED_ENTITIES: Readonly<Record<string, string>> = {
  tab: '\t',
  newline: '\n',
  colon: ':',
  amp: '&',
  lt: '<',
  gt: '>',
  quot: '"',
  apos: "'",
  sol: '/',
  nbsp: '\u00a0',
};

/**
 * The scheme a browser would see in an href: character references decoded (with or without the
 * semicolon, as browsers accept them in attributes), tabs and newlines removed (the URL parser
 * drops them anywhere), leading spaces and control characters trimmed. `undefined` when there
 * is no scheme (a relative link); `'?'` when what precedes the first `:` cannot be read with
 * certainty (an unknown entity), which is refused like a bad scheme.
 */
function hrefScheme(rawValue: string): string | undefined {
  const decoded = rawValue
    .replace(/&#x([0-9a-f]+);?/gi, (_match, hex: string) =>
      String.fromCodePoint(Number.parseInt(hex, 16) % 0x110000),
    )
    .replace(/&#(\d+);?/g, (_match, decimal: string) => String.fromCodePoint(Number(decimal) % 0x110000))
    .replace(/&([a-z]+);/gi, (match, name: string) => NAMED_ENTITIES[name.toLowerCase()] ?? match);
  // The URL parser strips leading C0 controls and spaces (code points up to U+0020).
  let start = 0;
  const withoutBreaks = decoded.replace(/[\t\n\r]/g, '');
  while (start < withoutBreaks.length && withoutBreaks.charCodeAt(start) <= 0x20) start += 1;
  const cleaned = withoutBreaks.slice(start);
  const colon = cleaned.indexOf(':');
  if (colon === -1) return undefined;
  const before = cleaned.slice(0, colon);
  // A `/`, `?` or `#` first makes the colon part of a path, query or fragment: no scheme.
  if (/[/?#]/.test(before)) return undefined;
  return /^[a-z][a-z0-9+.-]*$/i.test(before) ? before.toLowerCase() : '?';
}

/**
 * Every href in `html` whose scheme is not allowed. `literalOnly` stops reading a value at the
 * first Liquid output or tag (`{{`, `{%`): in a template, what data will put there is checked
 * at render time, and only a scheme written by the author is judged here.
 */
export function findUnsafeLinks(html: string, options: { literalOnly?: boolean } = {}): UnsafeLink[] {
  const found: UnsafeLink[] = [];
  for (const match of html.matchAll(HREF)) {
    let value = match[1] ?? match[2] ?? match[3] ?? '';
    if (options.literalOnly === true) {
      const liquid = value.search(/\{[{%]/);
      if (liquid !== -1) {
        value = value.slice(0, liquid);
        // Nothing but the author's prefix is known; without its colon the scheme comes from data.
        if (!value.includes(':') && !/&(?:#0*58|#x0*3a|colon)/i.test(value)) continue;
      }
    }
    const scheme = hrefScheme(value);
    if (scheme !== undefined && !SAFE_LINK_SCHEMES.has(scheme)) found.push({ index: match.index, scheme });
  }
  return found;
}
