import { describe, expect, it } from 'vitest';
import { type RenderRequest, renderMessage } from '../../../functions/core/messages/render-message.ts';
import { analyzeSms } from '../../../functions/core/messages/sms-encoding.ts';
import {
  buildTemplateCatalog,
  type TemplateCatalog,
} from '../../../functions/core/messages/template-catalog.ts';

const lines = (...text: string[]): string => text.join('\n');

const FILES = {
  'renewal-reminder/sv.sms.liquid': lines(
    'Hej {{ customer.firstName }}! Din försäkring {{ detail.policyNumber }} förnyas {{ detail.renewalDate | local_date }}.',
    'Pris: {{ detail.amount | money: "SEK" }}',
    '',
  ),
  'renewal-reminder/en.sms.liquid':
    'Hi {{ customer.firstName }}, policy {{ detail.policyNumber }} renews soon.',
  'renewal-reminder/sv.email.liquid': lines(
    'subject: Din försäkring {{ detail.policyNumber }} förnyas',
    '--- text',
    'Hej {{ customer.firstName }},',
    '',
    'din försäkring förnyas {{ detail.renewalDate | local_date }}.',
    '{% if detail.discount %}',
    'Du får {{ detail.discount }} rabatt.',
    '{% endif %}',
    '',
    'Hälsningar',
    'Försäkringsbolaget',
    '',
  ),
  'renewal-reminder/en.email.liquid': lines(
    'subject: {{ customer.firstName }}, your policy renews',
    '--- text',
    'Hi {{ customer.firstName }},',
    'your policy renews on {{ detail.renewalDate | local_date }}.',
    '--- html',
    '<p>Hi {{ customer.firstName }},</p>',
    '<p>your policy renews on <b>{{ detail.renewalDate | local_date }}</b>.</p>',
    '{{ vars.footerHtml | raw }}',
  ),
  'typo/sv.sms.liquid': 'Hej {{ customer.firstName }}!\nDitt nummer: {{ detail.policyNumbr }}',
  'typo/sv.email.liquid': lines(
    'subject: Hej',
    '--- text',
    'Hej',
    '--- html',
    '<p>Hej</p>',
    '<p>{{ detail.nope }}</p>',
  ),
  'conditional/sv.sms.liquid': '{% if detail.send %}Hej{% endif %}\n',
  'polish/pl.sms.liquid': 'Cześć {{ customer.firstName }}',
  'guarded/sv.sms.liquid':
    'Hej {{ customer.nickname | default: customer.firstName }}{% if detail.discount %}, rabatt!{% endif %}',
  'probing/sv.sms.liquid': '{{ detail.constructor }}',
  'includes/sv.sms.liquid': "{% render 'package.json' %}",
};

function catalogOf(files: Record<string, string>): TemplateCatalog {
  const { catalog, issues } = buildTemplateCatalog(files);
  expect(issues).toEqual([]);
  return catalog;
}

const catalog = catalogOf(FILES);

/** A request factory: a Swedish customer in Stockholm renewing a policy; override what a test needs. */
function request(overrides: Partial<RenderRequest> = {}): RenderRequest {
  return {
    template: 'renewal-reminder',
    channel: 'sms',
    locale: 'sv-SE',
    defaultLocale: 'en',
    timeZone: 'Europe/Stockholm',
    data: {
      customer: { firstName: 'Åsa' },
      detail: { policyNumber: 'HEM-1234', renewalDate: '2026-12-07', amount: '1234.50' },
      vars: { footerHtml: '<p class="footer">Nudge AB</p>' },
    },
    ...overrides,
  };
}

describe('renderMessage: sms', () => {
  it('renders in the fallback locale with trailing whitespace trimmed and the encoding measured', () => {
    // Act
    const result = renderMessage(catalog, request());
    // Assert
    const text = 'Hej Åsa! Din försäkring HEM-1234 förnyas 7 december 2026.\nPris: 1 234,50 kr';
    expect(result).toEqual({ ok: true, channel: 'sms', locale: 'sv', text, encoding: 'GSM-7', segments: 1 });
  });

  it('carries the encoding and segments of analyzeSms, UCS-2 when the data needs it', () => {
    const result = renderMessage(
      catalog,
      request({ data: { ...request().data, customer: { firstName: 'Łucja 🌷' } } }),
    );
    expect(result.ok && result.channel === 'sms').toBe(true);
    if (!result.ok || result.channel !== 'sms') return;
    const analysis = analyzeSms(result.text);
    expect(result.encoding).toBe('UCS-2');
    expect({ encoding: result.encoding, segments: result.segments }).toEqual({
      encoding: analysis.encoding,
      segments: analysis.segments,
    });
  });

  it('counts a long body in segments', () => {
    const long = { customer: { firstName: 'A'.repeat(200) }, detail: { policyNumber: 'X' } };
    const result = renderMessage(catalog, request({ locale: 'en', data: long }));
    expect(result).toMatchObject({ ok: true, encoding: 'GSM-7', segments: 2 });
  });

  it('uses the default locale when the customer locale has no template', () => {
    const result = renderMessage(catalog, request({ locale: 'fi-FI' }));
    expect(result).toMatchObject({ ok: true, locale: 'en', text: 'Hi Åsa, policy HEM-1234 renews soon.' });
  });

  it('fails an unknown variable with the template file and the variable path, never an empty string', () => {
    const result = renderMessage(catalog, request({ template: 'typo' }));
    expect(result).toEqual({
      ok: false,
      reason: 'unknown-variable',
      detail: "templates/typo/sv.sms.liquid: unknown variable 'detail.policyNumbr'",
      file: 'templates/typo/sv.sms.liquid',
      line: 2,
    });
  });

  it('names the missing object when the whole object is absent', () => {
    const result = renderMessage(catalog, request({ data: { detail: {} } }));
    expect(result).toMatchObject({
      ok: false,
      reason: 'unknown-variable',
      detail: expect.stringMatching(/'customer'$/),
    });
  });

  it('hides prototype properties: they are unknown variables too', () => {
    const result = renderMessage(catalog, request({ template: 'probing' }));
    expect(result).toMatchObject({
      reason: 'unknown-variable',
      detail: expect.stringContaining('detail.constructor'),
    });
  });

  it('lets a template ask about optional data with if and default', () => {
    const result = renderMessage(catalog, request({ template: 'guarded' }));
    expect(result).toMatchObject({ ok: true, text: 'Hej Åsa' });
    const withDiscount = request({ template: 'guarded' });
    const data = { customer: { firstName: 'Åsa', nickname: 'Åsis' }, detail: { discount: '10 %' } };
    expect(renderMessage(catalog, { ...withDiscount, data })).toMatchObject({
      ok: true,
      text: 'Hej Åsis, rabatt!',
    });
  });

  it('fails a body that renders to nothing as an empty message', () => {
    const result = renderMessage(
      catalog,
      request({ template: 'conditional', data: { detail: { send: false } } }),
    );
    expect(result).toMatchObject({
      ok: false,
      reason: 'empty-message',
      file: 'templates/conditional/sv.sms.liquid',
    });
  });

  it('cannot read files through render or include', () => {
    const result = renderMessage(catalog, request({ template: 'includes' }));
    expect(result).toMatchObject({
      ok: false,
      reason: 'template-error',
      detail: expect.stringContaining('templates/includes/sv.sms.liquid: '),
    });
  });

  it('reports a missing template with the locales it tried', () => {
    expect(renderMessage(catalog, request({ template: 'welcome' }))).toEqual({
      ok: false,
      reason: 'template-not-found',
      detail: "no sms template 'welcome' for locale 'sv-SE' (tried: sv-SE, sv, en)",
    });
    expect(
      renderMessage(catalog, request({ template: 'polish', locale: 'sv', defaultLocale: 'sv' })),
    ).toMatchObject({
      reason: 'template-not-found',
    });
  });

  it('rejects an unknown time zone as an invalid request', () => {
    expect(renderMessage(catalog, request({ timeZone: 'Europe/Atlantis' }))).toEqual({
      ok: false,
      reason: 'invalid-request',
      detail: "unknown time zone 'Europe/Atlantis'",
    });
  });
});

describe('renderMessage: email', () => {
  it('makes escaped paragraph HTML from the text when the template has no html part', () => {
    // Arrange
    const data = {
      customer: { firstName: 'Åsa <b>&' },
      detail: { policyNumber: 'HEM-1234', renewalDate: '2026-12-07' },
    };
    // Act
    const result = renderMessage(catalog, request({ channel: 'email', data }));
    // Assert
    expect(result).toEqual({
      ok: true,
      channel: 'email',
      locale: 'sv',
      subject: 'Din försäkring HEM-1234 förnyas',
      text: 'Hej Åsa <b>&,\n\ndin försäkring förnyas 7 december 2026.\n\nHälsningar\nFörsäkringsbolaget',
      html: [
        '<p>Hej Åsa &lt;b&gt;&amp;,</p>',
        '<p>din försäkring förnyas 7 december 2026.</p>',
        '<p>Hälsningar<br>\nFörsäkringsbolaget</p>',
      ].join('\n'),
    });
  });

  it('escapes every output in the html part unless it is piped through raw, and not in the text part', () => {
    const data = {
      customer: { firstName: '<script>alert("x")</script>' },
      detail: { renewalDate: '2026-12-07' },
      vars: { footerHtml: '<p class="footer">Nudge AB</p>' },
    };
    const result = renderMessage(catalog, request({ channel: 'email', locale: 'en-US', data }));
    expect(result.ok && result.channel === 'email').toBe(true);
    if (!result.ok || result.channel !== 'email') return;
    expect(result.html).toBe(
      lines(
        '<p>Hi &lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;,</p>',
        '<p>your policy renews on <b>December 7, 2026</b>.</p>',
        '<p class="footer">Nudge AB</p>',
      ),
    );
    expect(result.text).toBe('Hi <script>alert("x")</script>,\nyour policy renews on December 7, 2026.');
    expect(result.subject).toBe('<script>alert("x")</script>, your policy renews');
  });

  it('keeps the subject on one line whatever the data holds', () => {
    const data = {
      customer: { firstName: 'Eve\r\nBcc: victim@example.com' },
      detail: { renewalDate: '2026-12-07' },
      vars: { footerHtml: '' },
    };
    const result = renderMessage(catalog, request({ channel: 'email', locale: 'en', data }));
    expect(result).toMatchObject({ ok: true, subject: 'Eve Bcc: victim@example.com, your policy renews' });
  });

  it('collapses every kind of whitespace run in the subject to one space, and leaves single spaces be', () => {
    for (const firstName of [
      'Ann',
      'Ann Lee',
      'Ann  Lee',
      'Ann\tLee',
      'Ann\u00a0Lee',
      ' Ann ',
      'Ann \u2028Lee',
      '\ufeffAnn',
    ]) {
      const data = {
        customer: { firstName },
        detail: { renewalDate: '2026-12-07' },
        vars: { footerHtml: '' },
      };
      const result = renderMessage(catalog, request({ channel: 'email', locale: 'en', data }));
      const expected = `${firstName}, your policy renews`.replace(/\s+/g, ' ').trim();
      expect(result).toMatchObject({ ok: true, subject: expected });
    }
  });

  it('formats with the customer locale when it shares the template language', () => {
    const data = {
      customer: { firstName: 'Ann' },
      detail: { renewalDate: '2026-12-07' },
      vars: { footerHtml: '' },
    };
    expect(renderMessage(catalog, request({ channel: 'email', locale: 'en-GB', data }))).toMatchObject({
      locale: 'en',
      text: 'Hi Ann,\nyour policy renews on 7 December 2026.',
    });
    expect(renderMessage(catalog, request({ channel: 'email', locale: 'fi', data }))).toMatchObject({
      locale: 'en',
      text: 'Hi Ann,\nyour policy renews on December 7, 2026.',
    });
  });

  it('reports the file line of an unknown variable in the html part', () => {
    const result = renderMessage(catalog, request({ template: 'typo', channel: 'email' }));
    expect(result).toEqual({
      ok: false,
      reason: 'unknown-variable',
      detail: "templates/typo/sv.email.liquid: unknown variable 'detail.nope'",
      file: 'templates/typo/sv.email.liquid',
      line: 6,
    });
  });
});

describe('renderMessage: resolutions remembered per catalog', () => {
  const at = (text: string) => ({ customer: { firstName: 'Ann' }, detail: { at: text } });

  it('renders each catalog’s own template, even under the same name, channel and locales', () => {
    const first = catalogOf({ 'a/en.sms.liquid': 'first' });
    const second = catalogOf({ 'a/en.sms.liquid': 'second', 'a/sv.sms.liquid': 'andra' });
    const ask = request({ template: 'a', locale: 'sv', data: {} });
    expect(renderMessage(first, ask)).toMatchObject({ text: 'first', locale: 'en' });
    expect(renderMessage(second, ask)).toMatchObject({ text: 'andra', locale: 'sv' });
    expect(renderMessage(first, ask)).toMatchObject({ text: 'first', locale: 'en' });
  });

  it('resolves again for another locale, default locale or channel, and keeps a miss a miss', () => {
    const files = {
      'b/en.sms.liquid': 'en',
      'b/sv.sms.liquid': 'sv',
      'b/de.email.liquid': 'subject: de\n--- text\nde\n',
    };
    const own = catalogOf(files);
    const ask = (overrides: Partial<RenderRequest>) =>
      renderMessage(own, request({ template: 'b', data: {}, ...overrides }));
    expect(ask({ locale: 'sv-SE' })).toMatchObject({ text: 'sv' });
    expect(ask({ locale: 'fi' })).toMatchObject({ text: 'en' });
    expect(ask({ locale: 'fi', defaultLocale: 'sv' })).toMatchObject({ text: 'sv' });
    expect(ask({ locale: 'fi', channel: 'email' })).toMatchObject({
      ok: false,
      reason: 'template-not-found',
    });
    expect(ask({ locale: 'de', channel: 'email' })).toMatchObject({ text: 'de' });
    expect(ask({ locale: 'fi', channel: 'email' })).toMatchObject({
      ok: false,
      reason: 'template-not-found',
    });
  });

  it('formats in each request’s zone and locale, not in those of the render before', () => {
    const own = catalogOf({ 'c/en.sms.liquid': '{{ detail.at | local_time }}' });
    const ask = (locale: string, timeZone: string) =>
      renderMessage(own, request({ template: 'c', locale, timeZone, data: at('2026-12-07T14:20:00Z') }));
    expect(ask('en-GB', 'Europe/Stockholm')).toMatchObject({ text: '15:20' });
    expect(ask('en-GB', 'America/New_York')).toMatchObject({ text: '09:20' });
    expect(ask('en-US', 'America/New_York')).toMatchObject({ text: '9:20 AM' });
    expect(ask('en-GB', 'Europe/Stockholm')).toMatchObject({ text: '15:20' });
  });
});
