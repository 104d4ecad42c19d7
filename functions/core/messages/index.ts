/**
 * Message templates and SMS encoding: the public surface of `functions/core/messages`.
 */

export { renderMessage } from './render-message.ts';

export {
  buildTemplateCatalog,
  resolveTemplateLocale,
  type TemplateCatalog,
  type TemplateIssue,
} from './template-catalog.ts';
