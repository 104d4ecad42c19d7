import { describe, expect, it } from 'vitest';
import { parseEmailTemplate } from '../../../functions/core/messages/email-template-format.ts';

const lines = (...text: string[]): string => text.join('\n');

describe('parseEmailTemplate', () => {
  it('splits subject, text and html and records the file line each section starts on', () => {
    // Arrange
    const source = lines(
      'subject: Din försäkring {{ detail.policyNumber }} förnyas',
      '--- text',
      'Hej {{ customer.firstName }},',
      '',
      'din försäkring förnyas.',
      '--- html',
      '<p>Hej {{ customer.firstName }},</p>',
    );
    // Act
    const result = parseEmailTemplate(source);
    // Assert
    expect(result).toEqual({
      ok: true,
      value: {
        subject: { source: 'Din försäkring {{ detail.policyNumber }} förnyas', line: 1, column: 10 },
        text: { source: 'Hej {{ customer.firstName }},\n\ndin försäkring förnyas.', line: 3 },
        html: { source: '<p>Hej {{ customer.firstName }},</p>', line: 7 },
      },
    });
  });

  it('leaves html undefined when there is no html section', () => {
    const result = parseEmailTemplate(lines('subject: Hej', '--- text', 'Text', ''));
    expect(result).toEqual({
      ok: true,
      value: {
        subject: { source: 'Hej', line: 1, column: 10 },
        text: { source: 'Text\n', line: 3 },
        html: undefined,
      },
    });
  });

  it('accepts CRLF line endings, a byte-order mark and blank lines before the text marker', () => {
    const result = parseEmailTemplate('\uFEFFsubject: Hej\r\n\r\n--- text\r\nRad 1\r\nRad 2\r\n');
    expect(result.ok && result.value.text).toEqual({ source: 'Rad 1\nRad 2\n', line: 4 });
  });

  it('treats a bare --- and a -- signature separator as body text', () => {
    const result = parseEmailTemplate(lines('subject: Hej', '--- text', 'Text', '---', '-- ', 'Nudge'));
    expect(result.ok && result.value.text.source).toBe('Text\n---\n-- \nNudge');
  });

  it.each([
    ['no subject line', lines('Hej', '--- text', 'Text'), 1, "the first line must be 'subject: <subject>'"],
    ['an empty subject', lines('subject:   ', '--- text', 'Text'), 1, 'the subject is empty'],
    ['text before the marker', lines('subject: Hej', 'Hej där', '--- text', 'x'), 2, "expected '--- text'"],
    ['no text marker', lines('subject: Hej', ''), 2, "missing '--- text' section"],
    [
      'an unknown marker',
      lines('subject: Hej', '--- text', 'x', '--- htm', '<p/>'),
      4,
      "unknown section '--- htm'",
    ],
    ['html before text', lines('subject: Hej', '--- html', '<p/>', '--- text', 'x'), 2, 'must come after'],
    ['a second text marker', lines('subject: Hej', '--- text', 'x', '--- text', 'y'), 4, 'duplicate'],
    [
      'a second html marker',
      lines('subject: Hej', '--- text', 'x', '--- html', 'a', '--- html', 'b'),
      6,
      'duplicate',
    ],
    [
      'an empty text body',
      lines('subject: Hej', '--- text', '   ', '--- html', '<p/>'),
      2,
      'text body is empty',
    ],
    ['an empty html body', lines('subject: Hej', '--- text', 'x', '--- html', ''), 4, 'html body is empty'],
  ])('rejects %s with the line and reason', (_case, source, line, message) => {
    const result = parseEmailTemplate(source);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.line).toBe(line);
    expect(result.message).toContain(message);
  });
});
