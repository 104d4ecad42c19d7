import { describe, expect, it } from 'vitest';
import {
  escapeHtml,
  href,
  html,
  relativeTo,
  SafeHtml,
  timeIn,
  trustedHtml,
} from '../../../functions/console/html.ts';

describe('html tagged template', () => {
  it('escapes the five HTML-significant characters in interpolated text', () => {
    // Arrange
    const name = `<script>alert("x" & 'y')</script>`;

    // Act
    const out = html`<p title="${name}">${name}</p>`.toString();

    // Assert
    expect(out).toBe(
      '<p title="&lt;script&gt;alert(&quot;x&quot; &amp; &#39;y&#39;)&lt;/script&gt;">&lt;script&gt;alert(&quot;x&quot; &amp; &#39;y&#39;)&lt;/script&gt;</p>',
    );
  });

  it('keeps nested html output, joins arrays and renders false, null and undefined as nothing', () => {
    const items = ['<a>', 'b'].map((item) => html`<li>${item}</li>`);
    const out = html`<ul>${items}</ul>${false}${null}${undefined}${0}`.toString();
    expect(out).toBe('<ul><li>&lt;a&gt;</li><li>b</li></ul>0');
  });

  it('cannot be forged: SafeHtml is only made by html`` or trustedHtml()', () => {
    // The constructor's token is module-private; anything else is refused at run time.
    expect(() => Reflect.construct(SafeHtml, ['<script>', Symbol('SafeHtml')])).toThrow(/html``/);
    expect(trustedHtml('<b>ok</b>').toString()).toBe('<b>ok</b>');
    expect(escapeHtml('a&b')).toBe('a&amp;b');
  });

  it('percent-encodes path segments so ids cannot break out of a link', () => {
    expect(href('/messages', 'a/b?c#"d')).toBe('/messages/a%2Fb%3Fc%23%22d');
  });
});

describe('times', () => {
  it('shows an instant in the customer zone with the UTC instant on hover', () => {
    const out = timeIn('2026-11-24T09:05:00Z', 'Europe/Stockholm').toString();
    expect(out).toContain('2026-11-24 10:05');
    expect(out).toContain('title="2026-11-24 09:05:00 UTC"');
    expect(out).toContain('datetime="2026-11-24T09:05:00.000Z"');
  });

  it('names the zone the way people there do', () => {
    expect(timeIn('2026-11-24T14:00:00Z', 'America/New_York').toString()).toContain('2026-11-24 09:00 EST');
    expect(timeIn('2026-07-01T08:00:00Z', 'Europe/Stockholm').toString()).toContain('2026-07-01 10:00 CEST');
  });

  it('falls back to UTC for an unknown zone and shows non-instants as text', () => {
    expect(timeIn('2026-11-24T09:05:00Z', 'Mars/Olympus').toString()).toContain('2026-11-24 09:05 UTC');
    expect(timeIn('<soon>', 'UTC').toString()).toBe('<span>&lt;soon&gt;</span>');
  });

  it('says how far away a planned send is from virtual now', () => {
    const now = '2026-11-24T09:00:00Z';
    expect(relativeTo('2026-11-24T11:05:00Z', now)).toBe('in 2 h 5 min');
    expect(relativeTo('2026-11-26T10:00:00Z', now)).toBe('in 2 d 1 h');
    expect(relativeTo('2026-11-24T08:57:00Z', now)).toBe('3 min ago');
    expect(relativeTo(now, now)).toBe('now');
  });
});
