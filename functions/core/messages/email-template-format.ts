import { findUnsafeLinks, SAFE_LINK_RULE } from './safe-links.ts';

/**
 * The on-disk format of an email template, `templates/<name>/<locale>.email.liquid`.
 *
 * ```text
 * subject: Din försäkring {{ detail.policyNumber }} förnyas {{ detail.renewalDate | local_date }}
 * --- text
 * Hej {{ customer.firstName }},
 *
 * din försäkring förnyas snart.
 * --- html
 * <p>Hej {{ customer.firstName }},</p>
 * <p>din försäkring förnyas snart.</p>
 * ```
 *
 * - Line 1 is `subject: <liquid>`; the subject is one line (after rendering, runs of whitespace,
 *   newlines included, collapse to one space so data can never inject a header line).
 * - Then, after optional blank lines, a line `--- text`; everything up to the next marker is the
 *   plain-text body. It must not be empty.
 * - Optionally a line `--- html`; everything after it is the HTML body. Outputs in the HTML body are
 *   HTML-escaped by default (write `{{ value | raw }}` for trusted markup). Without an HTML body the
 *   HTML part is made from the rendered text: escaped, blank lines start paragraphs, single newlines
 *   become `<br>`.
 * - A marker is `---`, one space or more, and a word, alone on its line. A bare `---` (or `-- ` as a
 *   signature separator) is ordinary body text; an unknown marker word is an error.
 * - CRLF line endings and a leading byte-order mark are accepted.
 */

/** One Liquid source section of a template file and the 1-based file line it starts on. */
export interface TemplateSection {
  source: string;
  /** File line of the section's first line, to translate Liquid's section-relative line numbers. */
  line: number;
  /** File column of the section's first character (the subject's, after `subject:`); default 1. */
  column?: number;
}

/** The three sections of an email template file, still Liquid source. */
interface EmailTemplateSource {
  subject: TemplateSection;
  text: TemplateSection;
  html: TemplateSection | undefined;
}

/** Outcome of {@link parseEmailTemplate}: the sections, or where and why the file is malformed. */
export type EmailTemplateParseResult =
  | { ok: true; value: EmailTemplateSource }
  | { ok: false; line: number; column?: number; message: string };

const SUBJECT_LINE = /^subject:(.*)$/i;
const MARKER_LINE = /^---[ \t]+(\S+)[ \t]*$/;

/** Strips a byte-order mark and turns CRLF / CR line endings into LF. */
export function normalizeTemplateSource(source: string): string {
  return source.replace(/^\uFEFF/, '').replace(/\r\n?/g, '\n');
}

/** Splits an email template file into its subject, text and optional HTML sections. */
export function parseEmailTemplate(source: string): EmailTemplateParseResult {
  const lines = normalizeTemplateSource(source).split('\n');
  const subject = subjectSection(lines[0] ?? '');
  if (!subject.ok) return subject;
  const markers = findMarkers(lines);
  if (!markers.ok) return markers;
  const { textMarker, htmlMarker } = markers;
  const text = section(lines, textMarker, htmlMarker ?? lines.length);
  if (text.source.trim() === '') {
    return { ok: false, line: textMarker + 1, message: 'the text body is empty' };
  }
  if (htmlMarker === undefined)
    return { ok: true, value: { subject: subject.section, text, html: undefined } };
  const html = section(lines, htmlMarker, lines.length);
  const problem = htmlProblem(html, htmlMarker);
  return problem ?? { ok: true, value: { subject: subject.section, text, html } };
}

type Failure = Extract<EmailTemplateParseResult, { ok: false }>;

/** Line 1: `subject: <liquid>`; the section keeps the column the subject starts at. */
function subjectSection(line: string): { ok: true; section: TemplateSection } | Failure {
  const subjectMatch = SUBJECT_LINE.exec(line);
  if (subjectMatch === null) {
    return { ok: false, line: 1, message: "the first line must be 'subject: <subject>'" };
  }
  const written = subjectMatch[1] ?? '';
  const subject = written.trim();
  if (subject === '') return { ok: false, line: 1, message: 'the subject is empty' };
  const column = 'subject:'.length + (written.length - written.trimStart().length) + 1;
  return { ok: true, section: { source: subject, line: 1, column } };
}

/**
 * Where the `--- text` and `--- html` markers sit (0-based line indexes). Order is checked as the
 * lines are walked, so the first problem reported is the first one in the file.
 */
function findMarkers(
  lines: readonly string[],
): { ok: true; textMarker: number; htmlMarker: number | undefined } | Failure {
  let textMarker: number | undefined;
  let htmlMarker: number | undefined;
  for (let index = 1; index < lines.length; index += 1) {
    const line = lines[index] ?? '';
    const lineNumber = index + 1;
    const marker = MARKER_LINE.exec(line)?.[1];
    if (marker === undefined) {
      if (textMarker === undefined && line.trim() !== '') {
        return { ok: false, line: lineNumber, message: "expected '--- text' after the subject line" };
      }
      continue;
    }
    const problem = markerProblem(marker, lineNumber, textMarker, htmlMarker);
    if (problem !== undefined) return problem;
    if (marker === 'text') textMarker = index;
    else htmlMarker = index;
  }
  if (textMarker === undefined) {
    return { ok: false, line: lines.length, message: "missing '--- text' section" };
  }
  return { ok: true, textMarker, htmlMarker };
}

function markerProblem(
  marker: string,
  lineNumber: number,
  textMarker: number | undefined,
  htmlMarker: number | undefined,
): Failure | undefined {
  if (marker !== 'text' && marker !== 'html') {
    return {
      ok: false,
      line: lineNumber,
      message: `unknown section '--- ${marker}'; expected '--- text' or '--- html'`,
    };
  }
  if (marker === 'text' && textMarker !== undefined) {
    return { ok: false, line: lineNumber, message: `duplicate '--- text' (first on line ${textMarker + 1})` };
  }
  if (marker === 'text') return undefined;
  if (textMarker === undefined) {
    return { ok: false, line: lineNumber, message: "'--- html' must come after '--- text'" };
  }
  if (htmlMarker !== undefined) {
    return { ok: false, line: lineNumber, message: `duplicate '--- html' (first on line ${htmlMarker + 1})` };
  }
  return undefined;
}

/** An empty HTML body, or a link the author wrote with a script-capable scheme. */
function htmlProblem(html: TemplateSection, htmlMarker: number): Failure | undefined {
  if (html.source.trim() === '') {
    return {
      ok: false,
      line: htmlMarker + 1,
      message: "the html body is empty (leave out '--- html' instead)",
    };
  }
  // Refused here, where it can be pointed at; links whose scheme comes from data are checked at
  // render time.
  const [unsafe] = findUnsafeLinks(html.source, { literalOnly: true });
  if (unsafe === undefined) return undefined;
  const before = html.source.slice(0, unsafe.index);
  const newlines = before.split('\n').length - 1;
  return {
    ok: false,
    line: html.line + newlines,
    column: unsafe.index - (before.lastIndexOf('\n') + 1) + 1,
    message: `href with scheme '${unsafe.scheme}:' refused: ${SAFE_LINK_RULE}`,
  };
}

/** The lines strictly between marker index `start` and index `end`, starting on file line start + 2. */
function section(lines: readonly string[], start: number, end: number): TemplateSection {
  return { source: lines.slice(start + 1, end).join('\n'), line: start + 2 };
}
