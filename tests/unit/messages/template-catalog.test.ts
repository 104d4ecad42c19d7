import { describe, expect, it } from 'vitest';
import {
  buildTemplateCatalog,
  findTemplate,
  resolveTemplateLocale,
  type TemplateCatalog,
  templateLocales,
  templateNames,
} from '../../../functions/core/messages/template-catalog.ts';
import { formattingLocale, localeFallbackChain } from '../../../functions/core/messages/template-locale.ts';

const email = (subject: string, text: string, html?: string): string =>
  [`subject: ${subject}`, '--- text', text, ...(html === undefined ? [] : ['--- html', html])].join('\n');

/** A catalog that must build without issues, so a typo in a fixture fails loudly. */
function catalogOf(files: Record<string, string>): TemplateCatalog {
  const { catalog, issues } = buildTemplateCatalog(files);
  expect(issues).toEqual([]);
  return catalog;
}

describe('buildTemplateCatalog', () => {
  it('parses sms and email templates and indexes them by name, channel and locale', () => {
    // Arrange
    const files = {
      'renewal-reminder/sv.sms.liquid': 'Hej {{ customer.firstName }}',
      'renewal-reminder/en.email.liquid': email('Renewal', 'Hi'),
      'payment-due/sv-SE.sms.liquid': 'Betala',
    };
    // Act
    const catalog = catalogOf(files);
    // Assert
    expect(templateNames(catalog)).toEqual(['payment-due', 'renewal-reminder']);
    expect(templateLocales(catalog, 'renewal-reminder', 'sms')).toEqual(['sv']);
    expect(templateLocales(catalog, 'renewal-reminder', 'email')).toEqual(['en']);
    expect(findTemplate(catalog, 'payment-due', 'sms', 'sv-se')).toMatchObject({
      name: 'payment-due',
      locale: 'sv-SE',
      channel: 'sms',
      file: 'templates/payment-due/sv-SE.sms.liquid',
    });
  });

  it('lists every bad file with file, line and message and keeps the good ones', () => {
    // Arrange
    const files = {
      'README.md': '# Templates',
      'renewal-reminder/sv.txt.liquid': 'x',
      'deep/nested/sv.sms.liquid': 'x',
      'renewal-reminder/sv_SE.sms.liquid': 'x',
      'renewal-reminder/not a locale.sms.liquid': 'x',
      'renewal-reminder/da.sms.liquid': 'Hej\n{% if detail.x %}\nnever closed',
      'renewal-reminder/fi.sms.liquid': 'Hei\n\n{{ detail.x | no_such_filter }}',
      'renewal-reminder/nb.sms.liquid': '  \n',
      'renewal-reminder/en.email.liquid': email('Renewal', 'Hi', '<p>\n{% unless detail.x %}\n</p>'),
      'renewal-reminder/de.email.liquid': 'Betreff: Hallo\n--- text\nx',
      'renewal-reminder/sv.sms.liquid': 'Hej {{ customer.firstName }}',
    };
    // Act
    const { catalog, issues } = buildTemplateCatalog(files);
    // Assert
    expect(templateLocales(catalog, 'renewal-reminder', 'sms')).toEqual(['sv']);
    const byFile = new Map(issues.map((issue) => [issue.file, issue]));
    expect(issues).toHaveLength(10);
    expect(byFile.get('templates/README.md')?.message).toContain("'<name>/<locale>.sms.liquid'");
    expect(byFile.get('templates/renewal-reminder/sv.txt.liquid')?.line).toBeUndefined();
    expect(byFile.get('templates/deep/nested/sv.sms.liquid')).toBeDefined();
    expect(byFile.get('templates/renewal-reminder/sv_SE.sms.liquid')?.message).toContain('BCP 47');
    expect(byFile.get('templates/renewal-reminder/not a locale.sms.liquid')?.message).toContain('BCP 47');
    expect(byFile.get('templates/renewal-reminder/da.sms.liquid')).toMatchObject({ line: 2 });
    expect(byFile.get('templates/renewal-reminder/fi.sms.liquid')).toMatchObject({
      line: 3,
      message: expect.stringContaining('no_such_filter'),
    });
    expect(byFile.get('templates/renewal-reminder/nb.sms.liquid')?.message).toBe('the template is empty');
    // The html section starts on file line 5 (after '--- html' on 4); the unclosed tag is its second line.
    expect(byFile.get('templates/renewal-reminder/en.email.liquid')).toMatchObject({ line: 6 });
    expect(byFile.get('templates/renewal-reminder/de.email.liquid')).toMatchObject({
      line: 1,
      message: "the first line must be 'subject: <subject>'",
    });
  });

  it('reports a second file for the same template and locale, whatever the input order', () => {
    const first = buildTemplateCatalog({ 'a/sv-se.sms.liquid': 'one', 'a/sv-SE.sms.liquid': 'two' });
    const second = buildTemplateCatalog({ 'a/sv-SE.sms.liquid': 'two', 'a/sv-se.sms.liquid': 'one' });
    expect(first.issues).toEqual(second.issues);
    expect(first.issues).toEqual([
      {
        file: 'templates/a/sv-se.sms.liquid',
        message: expect.stringContaining('templates/a/sv-SE.sms.liquid'),
      },
    ]);
  });

  it('names files with the root it is given and normalises path separators', () => {
    const { catalog } = buildTemplateCatalog(
      { '.\\a\\sv.sms.liquid': 'Hej' },
      { root: 'examples/templates/' },
    );
    expect(findTemplate(catalog, 'a', 'sms', 'sv')?.file).toBe('examples/templates/a/sv.sms.liquid');
  });
});

describe('resolveTemplateLocale', () => {
  const catalog = catalogOf({
    'renewal-reminder/sv.sms.liquid': 'Hej',
    'renewal-reminder/sv-FI.sms.liquid': 'Hej (FI)',
    'renewal-reminder/en.sms.liquid': 'Hi',
    'renewal-reminder/en.email.liquid': email('Renewal', 'Hi'),
    'welcome/da.sms.liquid': 'Hej',
  });

  it.each([
    ['sv-SE', 'sv'],
    ['sv-FI', 'sv-FI'],
    ['sv', 'sv'],
    ['sv_se', 'sv'],
    ['SV-se', 'sv'],
    ['sv-Latn-SE', 'sv'],
    ['fi-FI', 'en'],
    ['en-GB', 'en'],
    ['not a locale', 'en'],
    ['', 'en'],
  ])('resolves %j to %j for sms (default en)', (locale, expected) => {
    expect(resolveTemplateLocale(catalog, 'renewal-reminder', 'sms', locale, 'en')).toBe(expected);
  });

  it('looks per channel: the email exists only in the default locale', () => {
    expect(resolveTemplateLocale(catalog, 'renewal-reminder', 'email', 'sv-SE', 'en')).toBe('en');
  });

  it("falls back through the default locale's parents", () => {
    expect(resolveTemplateLocale(catalog, 'renewal-reminder', 'sms', 'fi', 'en-GB')).toBe('en');
  });

  it('is undefined when neither the locale chain nor the default has the template', () => {
    expect(resolveTemplateLocale(catalog, 'welcome', 'sms', 'sv-SE', 'en')).toBeUndefined();
    expect(resolveTemplateLocale(catalog, 'welcome', 'email', 'da', 'da')).toBeUndefined();
    expect(resolveTemplateLocale(catalog, 'no-such-template', 'sms', 'sv', 'en')).toBeUndefined();
  });
});

describe('locale helpers', () => {
  it('builds the fallback chain most specific first without duplicates', () => {
    expect(localeFallbackChain('sv-SE', 'en-GB')).toEqual(['sv-SE', 'sv', 'en-GB', 'en']);
    expect(localeFallbackChain('en-US', 'en')).toEqual(['en-US', 'en']);
    expect(localeFallbackChain('zh-Hant-TW-u-ca-chinese', 'en')).toEqual([
      'zh-Hant-TW',
      'zh-Hant',
      'zh',
      'en',
    ]);
  });

  it("formats in the customer's locale when it shares the template's language, else the template's", () => {
    expect(formattingLocale('sv-FI', 'sv')).toBe('sv-FI');
    expect(formattingLocale('en-GB', 'en')).toBe('en-GB');
    expect(formattingLocale('fi-FI', 'en')).toBe('en');
    expect(formattingLocale('nonsense locale', 'sv')).toBe('sv');
  });
});
