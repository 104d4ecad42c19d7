/**
 * Message templates and SMS encoding: the public surface of `functions/core/messages`.
 */
export {
  type EmailTemplateParseResult,
  type EmailTemplateSource,
  parseEmailTemplate,
  type TemplateSection,
} from './email-template-format.ts';
export { FilterInputError, localeFilters, smsSafe } from './locale-filters.ts';
export {
  type RenderFailure,
  RenderFailureReason,
  type RenderRequest,
  type RenderResult,
  renderMessage,
} from './render-message.ts';
export { analyzeSms, gsm7Septets, type SmsAnalysis, SmsEncoding } from './sms-encoding.ts';
export {
  type BuildTemplateCatalogOptions,
  buildTemplateCatalog,
  type EmailTemplate,
  findTemplate,
  type MessageTemplate,
  type ParsedSection,
  resolveTemplateLocale,
  type SmsTemplate,
  type TemplateCatalog,
  TemplateChannel,
  type TemplateIssue,
  templateKey,
  templateLocales,
  templateNames,
} from './template-catalog.ts';
export { canonicalLocale, formattingLocale, localeFallbackChain } from './template-locale.ts';
export { escapeHtml, textToHtml } from './text-to-html.ts';
