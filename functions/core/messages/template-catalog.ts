/**
 * The message template catalog: every template file parsed once, indexed by name, channel and locale.
 *
 * Files are named `<name>/<locale>.sms.liquid` and `<name>/<locale>.email.liquid` (email format in
 * `email-template-format.ts`). The catalog is built from a plain `{ relativePath: text }` map so this
 * module stays pure; `functions/app/templates/load-template-catalog.ts` reads the directory.
 */
import { type Liquid, LiquidError, type Template, type Token, Tokenizer, TokenKind } from 'liquidjs';
import { closestName } from './did-you-mean.ts';
import {
  normalizeTemplateSource,
  parseEmailTemplate,
  type TemplateSection,
} from './email-template-format.ts';
import { htmlEngine, textEngine } from './liquid-engines.ts';
import { canonicalLocale, localeFallbackChain } from './template-locale.ts';

/** The channels a template can be written for. */
export const TemplateChannel = { sms: 'sms', email: 'email' } as const;
/** `'sms'` or `'email'`. */
export type TemplateChannel = (typeof TemplateChannel)[keyof typeof TemplateChannel];

/** One parsed Liquid section of a template file. */
export interface ParsedSection {
  template: Template[];
  /** File line the section starts on; Liquid reports lines relative to the section. */
  line: number;
  /** File column of the section's first character (the subject starts after `subject:`); default 1. */
  column?: number;
}

interface TemplateIdentity {
  name: string;
  /** Canonical BCP 47 tag, as spelled by `Intl.getCanonicalLocales`. */
  locale: string;
  /** Path used in issues and render failures, e.g. `templates/renewal-reminder/sv.sms.liquid`. */
  file: string;
}

/** A parsed SMS template. */
export interface SmsTemplate extends TemplateIdentity {
  channel: 'sms';
  body: ParsedSection;
}

/** A parsed email template; `html` is absent when the HTML part is generated from the text. */
export interface EmailTemplate extends TemplateIdentity {
  channel: 'email';
  subject: ParsedSection;
  text: ParsedSection;
  html: ParsedSection | undefined;
}

/** A parsed template of either channel. */
export type MessageTemplate = SmsTemplate | EmailTemplate;

/** Parsed templates, looked up with {@link findTemplate} / {@link resolveTemplateLocale}. */
export interface TemplateCatalog {
  /** Keyed by {@link templateKey}. */
  readonly templates: ReadonlyMap<string, MessageTemplate>;
}

/** A file that could not be added to the catalog; the other files still are. */
export interface TemplateIssue {
  file: string;
  /** 1-based line in the file, when the problem has one. */
  line?: number;
  /** 1-based column on that line, when known. */
  column?: number;
  message: string;
}

/** Options for {@link buildTemplateCatalog}. */
export interface BuildTemplateCatalogOptions {
  /** Prefix for file paths in issues and render failures. Defaults to `templates`. */
  root?: string;
}

const FILE_NAME = /^([^/]+)\/([^/]+)\.(sms|email)\.liquid$/;
const TEMPLATE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/** The catalog key of a template: name, channel and canonical locale. */
function templateKey(name: string, channel: TemplateChannel, locale: string): string {
  return `${name}/${locale}.${channel}`;
}

/**
 * Parses every template file once. A bad file (wrong name, malformed email layout, Liquid syntax
 * error, unknown filter, duplicate locale) is listed in `issues` with its line where known, and
 * left out; the good files are all in the catalog. Files are processed in path order so which of
 * two duplicates wins does not depend on the order of the input map.
 *
 * @param files relative path (`renewal-reminder/sv.sms.liquid`) → file text.
 */
export function buildTemplateCatalog(
  files: Readonly<Record<string, string>>,
  options: BuildTemplateCatalogOptions = {},
): { catalog: TemplateCatalog; issues: TemplateIssue[] } {
  const root = (options.root ?? 'templates').replace(/\/+$/, '');
  const templates = new Map<string, MessageTemplate>();
  const issues: TemplateIssue[] = [];

  const entries = Object.entries(files)
    .map(([path, text]): [string, string] => [normalizeTemplatePath(path), text])
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));

  for (const [path, text] of entries) {
    const file = root === '' ? path : `${root}/${path}`;
    const parsed = parseTemplateFile(file, path, text);
    if (!parsed.ok) {
      issues.push(parsed.issue);
      continue;
    }
    const template = parsed.template;
    const key = templateKey(template.name, template.channel, template.locale);
    const existing = templates.get(key);
    if (existing !== undefined) {
      issues.push({ file, message: `duplicate of ${existing.file} (same template, channel and locale)` });
      continue;
    }
    templates.set(key, template);
  }
  return { catalog: { templates }, issues };
}

/** The template for exactly this name, channel and locale (any spelling of the tag), if present. */
export function findTemplate(
  catalog: TemplateCatalog,
  name: string,
  channel: TemplateChannel,
  locale: string,
): MessageTemplate | undefined {
  const canonical = canonicalLocale(locale);
  return canonical === undefined ? undefined : catalog.templates.get(templateKey(name, channel, canonical));
}

/**
 * The locale of the template to use: the requested locale, then its parents, then the default
 * locale and its parents (`sv-SE` → `sv` → `en`). `undefined` when none has this template.
 */
export function resolveTemplateLocale(
  catalog: TemplateCatalog,
  name: string,
  channel: TemplateChannel,
  locale: string,
  defaultLocale: string,
): string | undefined {
  return localeFallbackChain(locale, defaultLocale).find((candidate) =>
    catalog.templates.has(templateKey(name, channel, candidate)),
  );
}

/** The distinct template names in the catalog, sorted. */
export function templateNames(catalog: TemplateCatalog): string[] {
  return [...new Set([...catalog.templates.values()].map((template) => template.name))].sort();
}

/** The locales a template exists in for a channel, sorted. */
export function templateLocales(catalog: TemplateCatalog, name: string, channel: TemplateChannel): string[] {
  return [...catalog.templates.values()]
    .filter((template) => template.name === name && template.channel === channel)
    .map((template) => template.locale)
    .sort();
}

type ParseFileResult = { ok: true; template: MessageTemplate } | { ok: false; issue: TemplateIssue };

function parseTemplateFile(file: string, path: string, text: string): ParseFileResult {
  const match = FILE_NAME.exec(path);
  const [, name, localeTag, channel] = match ?? [];
  if (name === undefined || localeTag === undefined || (channel !== 'sms' && channel !== 'email')) {
    return fail(file, "expected a path '<name>/<locale>.sms.liquid' or '<name>/<locale>.email.liquid'");
  }
  if (!TEMPLATE_NAME.test(name)) {
    return fail(file, `template name '${name}' must be letters, digits, '.', '_' or '-'`);
  }
  const locale = canonicalLocale(localeTag);
  if (locale === undefined || localeTag.includes('_')) {
    return fail(file, `'${localeTag}' is not a BCP 47 locale tag such as 'sv' or 'sv-SE'`);
  }
  const identity = { name, locale, file };

  if (channel === 'sms') {
    const source = normalizeTemplateSource(text);
    if (source.trim() === '') return fail(file, 'the template is empty', 1);
    const body = parseSection(textEngine, file, { source, line: 1 });
    return body.ok ? { ok: true, template: { ...identity, channel, body: body.section } } : body;
  }

  const email = parseEmailTemplate(text);
  if (!email.ok) return fail(file, email.message, email.line, email.column);
  const subject = parseSection(textEngine, file, email.value.subject);
  if (!subject.ok) return subject;
  const body = parseSection(textEngine, file, email.value.text);
  if (!body.ok) return body;
  let html: ParsedSection | undefined;
  if (email.value.html !== undefined) {
    const parsedHtml = parseSection(htmlEngine, file, email.value.html);
    if (!parsedHtml.ok) return parsedHtml;
    html = parsedHtml.section;
  }
  return { ok: true, template: { ...identity, channel, subject: subject.section, text: body.section, html } };
}

function parseSection(
  engine: Liquid,
  file: string,
  section: TemplateSection,
): { ok: true; section: ParsedSection } | { ok: false; issue: TemplateIssue } {
  try {
    const template = engine.parse(section.source, file);
    const column = section.column === undefined ? {} : { column: section.column };
    return { ok: true, section: { template, line: section.line, ...column } };
  } catch (error) {
    if (!(error instanceof LiquidError)) throw error;
    const unclosed = unclosedOpening(section.source);
    if (unclosed !== undefined) {
      const at = filePosition(unclosed.token, section);
      return fail(file, unclosed.message, at?.line, at?.column);
    }
    const at = filePosition(error, section);
    return fail(file, withSuggestion(engine, liquidMessage(error)), at?.line, at?.column);
  }
}

/**
 * A `{{` (or `{%`) left open before the next one: LiquidJS closes it at the *next* `}}` and then
 * complains about whatever lies between ("expected "|" before filter"). The opening the author
 * forgot to close is what they need to find.
 */
function unclosedOpening(source: string): { token: { token: Token }; message: string } | undefined {
  let tokens: ReturnType<Tokenizer['readTopLevelTokens']>;
  try {
    tokens = new Tokenizer(source).readTopLevelTokens();
  } catch {
    return undefined; // not tokenisable at all: LiquidJS's own message says why
  }
  for (const token of tokens) {
    if (token.kind === TokenKind.HTML) continue;
    const text = token.getText();
    if (!/\{\{|\{%/.test(text.slice(2))) continue;
    const opener = text.slice(0, 2);
    return { token: { token }, message: `'${opener}' is not closed: add '${opener === '{{' ? '}}' : '%}'}'` };
  }
  return undefined;
}

/** The file line and column of a Liquid error, from its token position (relative to the section). */
function filePosition(
  error: { token: Token },
  section: { line: number; column?: number | undefined },
): { line: number; column: number } | undefined {
  const [row, col] = error.token?.getPosition() ?? [];
  if (row === undefined || col === undefined) return undefined;
  return { line: section.line + row - 1, column: row === 1 ? (section.column ?? 1) + col - 1 : col };
}

/** `undefined filter: local_dat` gets the filter the author probably meant. */
function withSuggestion(engine: Liquid, message: string): string {
  const filter = /^undefined filter: (\S+)$/.exec(message)?.[1];
  if (filter === undefined) return message;
  const guess = closestName(filter, Object.keys(engine.filters));
  return guess === undefined ? message : `${message}; did you mean '${guess}'?`;
}

/**
 * The file line of a Liquid error, from the error's token position (relative to the section).
 * @internal shared with render-message.ts
 */
export function fileLine(error: LiquidError, sectionLine: number): number | undefined {
  const liquidLine = error.token?.getPosition()[0];
  return liquidLine === undefined ? undefined : sectionLine + liquidLine - 1;
}

/**
 * A LiquidJS error message without the `, file:…, line:…, col:…` suffix LiquidJS appends: we report
 * the file and the whole-file line ourselves.
 * @internal shared with render-message.ts
 */
export function liquidMessage(error: LiquidError): string {
  const message = (error.originalError?.message ?? error.message).replace(
    /(?:, file:.*?)?, line:\d+, col:\d+$/,
    '',
  );
  // LiquidJS quotes everything from an unclosed `{{` to the end of the section; the opening is
  // what the author has to find, and the position says where it is.
  const unclosed = /^(output|tag) "(\{\{|\{%)[\s\S]*" not closed$/.exec(message);
  if (unclosed === null) return message;
  const closer = unclosed[2] === '{{' ? '}}' : '%}';
  return `'${unclosed[2]}' is not closed: add '${closer}'`;
}

function fail(
  file: string,
  message: string,
  line?: number,
  column?: number,
): { ok: false; issue: TemplateIssue } {
  if (line === undefined) return { ok: false, issue: { file, message } };
  return {
    ok: false,
    issue: column === undefined ? { file, line, message } : { file, line, column, message },
  };
}

/** A template file's path as the catalog reads it: forward slashes, no leading `./`. */
export function normalizeTemplatePath(path: string): string {
  return path.replaceAll('\\', '/').replace(/^(?:\.\/)+/, '');
}
