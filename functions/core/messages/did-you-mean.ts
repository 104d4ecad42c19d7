/**
 * "Did you mean …?" for names a person typed: a field, a variable root, a filter. Pure string work.
 */

/**
 * Words operations staff in the Nordics write for the names templates use (`kund.fornamn` for
 * `customer.firstName`). Only consulted when nothing is spelled alike.
 */
const TRANSLATIONS: Readonly<Record<string, string>> = {
  kund: 'customer',
  kunde: 'customer',
  asiakas: 'customer',
  client: 'customer',
  recipient: 'customer',
  user: 'customer',
  fornamn: 'firstName',
  förnamn: 'firstName',
  fornavn: 'firstName',
  etunimi: 'firstName',
  namn: 'name',
  navn: 'name',
  nimi: 'name',
  sprak: 'locale',
  språk: 'locale',
  language: 'locale',
  tidszon: 'timeZone',
  timezone: 'timeZone',
};

/** Lower case without `_`, `-` or spaces: `first_name`, `First-Name` and `firstName` are alike. */
function folded(name: string): string {
  return name.toLowerCase().replace(/[_\-\s]/g, '');
}

/**
 * The candidate closest to `name`, or `undefined` when none is close enough to be a likely typo:
 * the same word written in another case style, a known translation, a small edit distance, or
 * one name containing the other (`nickname` → `name`).
 */
export function closestName(name: string, candidates: ReadonlyArray<string>): string | undefined {
  const wanted = folded(name);
  const exact = candidates.find((candidate) => folded(candidate) === wanted);
  if (exact !== undefined) return exact;
  const translated = TRANSLATIONS[wanted];
  if (translated !== undefined && candidates.includes(translated)) return translated;
  let best: { candidate: string; distance: number } | undefined;
  for (const candidate of candidates) {
    const distance = editDistance(wanted, folded(candidate));
    if (best === undefined || distance < best.distance) best = { candidate, distance };
  }
  // One edit in a short name, two from four letters on (`fone` → `phone`), a third of a long one.
  const allowed = wanted.length < 4 ? 1 : Math.max(2, Math.floor(wanted.length / 3));
  if (best !== undefined && best.distance <= allowed) return best.candidate;
  return candidates.find((candidate) => {
    const other = folded(candidate);
    return other.length >= 3 && (wanted.includes(other) || other.includes(wanted));
  });
}

/** Levenshtein distance, two rows at a time. */
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, index) => index);
  for (let i = 1; i <= a.length; i += 1) {
    const current = [i];
    for (let j = 1; j <= b.length; j += 1) {
      const substitution = (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1);
      current.push(Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, substitution));
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}
