// Links in email templates: an authored href with a script-capable scheme (javascript:, data:,
// vbscript:, in any case, hidden with entities or whitespace as browsers still read it) is refused
// when templates are validated, located at file:line:column; at render time a link whose href
// came from data and is not http(s), mailto or tel is refused instead of sent.
import { describe, expect, it } from 'vitest';
import { renderMessage } from '../../../functions/core/messages/render-message.ts';
import { buildTemplateCatalog } from '../../../functions/core/messages/template-catalog.ts';
import { templateIssueAsRuleIssue } from '../../../functions/core/rules/check-rule-templates.ts';
import { formatRuleIssue } from '../../../functions/core/rules/parse-rule-files.ts';

const lines = (...text: string[]): string => text.join('\n');

/** An email template whose HTML part holds `anchor` on its file line 5, after `<p>` (column 4). */
function emailWith(anchor: string): string {
  return lines('subject: Hej', '--- text', 'Hej', '--- html', `<p>${anchor}Klicka</a></p>`, '');
}

describe('authored hrefs are checked when templates are validated', () => {
  it.each([
    ['javascript:', '<a href="javascript:alert(1)">'],
    ['upper case', '<a HREF="JavaScript:alert(1)">'],
    ['single quotes', "<a href='javascript:alert(1)'>"],
    ['no quotes', '<a href=javascript:alert(1)>'],
    ['a tab as an entity', '<a href="java&#x09;script:alert(1)">'],
    ['a decimal tab entity without its semicolon', '<a href="java&#9script:alert(1)">'],
    ['a newline entity by name', '<a href="java&NewLine;script:alert(1)">'],
    ['a colon entity', '<a href="javascript&colon;alert(1)">'],
    ['leading spaces and a control character', '<a href="  \u0001javascript:alert(1)">'],
    ['a literal tab', '<a href="java\tscript:alert(1)">'],
    ['data:', '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">'],
    ['vbscript:', '<a href="VBScript:msgbox(1)">'],
    ['a scheme followed by data', '<a href="javascript:{{ detail.x }}">'],
  ])('refuses %s, at file:line:column', (_what, anchor) => {
    const { catalog, issues } = buildTemplateCatalog({ 'offer/sv.email.liquid': emailWith(anchor) });
    expect(catalog.templates.size).toBe(0);
    expect(issues).toHaveLength(1);
    const formatted = formatRuleIssue(templateIssueAsRuleIssue(issues[0] ?? { file: '', message: '' }));
    // Line 5 of the file; the href attribute starts after `<p><a ` (column 7, 1-based).
    expect(formatted).toMatch(/^templates\/offer\/sv\.email\.liquid:5:(\d+) /);
    const column = Number(/:5:(\d+) /.exec(formatted)?.[1]);
    expect(column).toBe(anchor.search(/href/i) + 4);
    expect(formatted).toMatch(/http\(s\), mailto or tel/);
  });

  it.each([
    '<a href="https://example.com/renew?p=1&amp;q=2">',
    '<a href="http://example.com">',
    '<a href="mailto:kundservice@example.com">',
    '<a href="tel:+46771000000">',
    '<a href="#top">',
    '<a href="/relative/path">',
    '<a href="{{ detail.renewUrl }}">',
    '<a title="javascript: is not a link here" href="https://example.com">',
  ])('accepts %s', (anchor) => {
    const { issues } = buildTemplateCatalog({ 'offer/sv.email.liquid': emailWith(anchor) });
    expect(issues).toEqual([]);
  });
});

describe('rendered hrefs are checked before anything is sent', () => {
  const { catalog } = buildTemplateCatalog({
    'offer/sv.email.liquid': emailWith('<a href="{{ detail.link }}">'),
  });
  const render = (link: string) =>
    renderMessage(catalog, {
      template: 'offer',
      channel: 'email',
      locale: 'sv',
      defaultLocale: 'sv',
      timeZone: 'Europe/Stockholm',
      data: { detail: { link } },
    });

  it.each([
    'javascript:alert(1)',
    ' JAVASCRIPT:alert(1)',
    'data:text/html,<b>x</b>',
    'vbscript:x',
    'file:///etc/passwd',
  ])('refuses a message whose link from data is %j, with a reason', (link) => {
    const result = render(link);
    expect(result.ok).toBe(false);
    expect(result.ok ? '' : result.reason).toBe('unsafe-link');
    expect(result.ok ? '' : result.detail).toMatch(
      /templates\/offer\/sv\.email\.liquid: .*http\(s\), mailto or tel/,
    );
  });

  it.each(['https://example.com/renew?id=1', 'mailto:a@example.com', 'tel:+46771000000'])(
    'sends a link from data that is %j',
    (link) => {
      expect(render(link).ok).toBe(true);
    },
  );
});
