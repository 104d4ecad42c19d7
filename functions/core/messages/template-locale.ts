/**
 * BCP 47 locale tags as Nudge uses them for templates: canonical spelling, fallback chains, and
 * which locale the formatting filters should use.
 */

/**
 * The canonical spelling of a locale tag (`sv-se` → `sv-SE`, `en_GB` → `en-GB`), or `undefined`
 * when it is not a well-formed BCP 47 tag. Underscores are accepted because customer profiles
 * often carry POSIX-style tags.
 */
export function canonicalLocale(tag: string): string | undefined {
  // Remembered per tag (bounded): Intl builds a locale per call, and every render asks.
  if (canonicalMemo.has(tag)) return canonicalMemo.get(tag);
  const canonical = canonicalUncached(tag);
  if (canonicalMemo.size < 10_000) canonicalMemo.set(tag, canonical);
  return canonical;
}

const canonicalMemo = new Map<string, string | undefined>();

function canonicalUncached(tag: string): string | undefined {
  const trimmed = tag.trim().replaceAll('_', '-');
  if (trimmed === '') return undefined;
  try {
    return Intl.getCanonicalLocales(trimmed)[0];
  } catch {
    // Intl throws a RangeError for a malformed tag; for us that is simply "no such locale".
    return undefined;
  }
}

/**
 * The locales to try, most specific first: the requested locale and its parents, then the default
 * locale and its parents (`sv-SE`, `sv`, `en-GB`, `en`). Extensions such as `-u-ca-…` are dropped,
 * templates are never named by them. A malformed tag contributes nothing, so a customer with a
 * broken locale still gets the default-locale message.
 */
export function localeFallbackChain(locale: string, defaultLocale: string): string[] {
  // Remembered per pair (bounded), as a copy each time: callers may change the array they get.
  const name = `${locale}\u0000${defaultLocale}`;
  let chain = chains.get(name);
  if (chain === undefined) {
    chain = chainUncached(locale, defaultLocale);
    if (chains.size < 10_000) chains.set(name, chain);
  }
  return [...chain];
}

const chains = new Map<string, readonly string[]>();

function chainUncached(locale: string, defaultLocale: string): string[] {
  const chain: string[] = [];
  for (const tag of [locale, defaultLocale]) {
    const canonical = canonicalLocale(tag);
    if (canonical === undefined) continue;
    const subtags = new Intl.Locale(canonical).baseName.split('-');
    for (let length = subtags.length; length > 0; length -= 1) {
      const candidate = subtags.slice(0, length).join('-');
      if (!chain.includes(candidate)) chain.push(candidate);
    }
  }
  return chain;
}

/**
 * The locale the formatting filters use. The requested locale wins when it is the same language as
 * the template that was found (an `sv-FI` customer reading the `sv` template gets Finland-Swedish
 * number and date formats); otherwise the template's own locale does, so a Finnish customer who
 * falls back to the English template gets English dates, not Finnish month names in English prose.
 */
export function formattingLocale(requestedLocale: string, templateLocale: string): string {
  const requested = canonicalLocale(requestedLocale);
  if (requested === undefined) return templateLocale;
  return languageOf(requested) === languageOf(templateLocale) ? requested : templateLocale;
}

const languages = new Map<string, string>();

function languageOf(canonical: string): string {
  let language = languages.get(canonical);
  if (language === undefined) {
    language = new Intl.Locale(canonical).language;
    if (languages.size < 10_000) languages.set(canonical, language);
  }
  return language;
}
