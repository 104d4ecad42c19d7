/**
 * Reads a template directory from disk into the pure template catalog. The only part of the
 * messages feature that touches the file system; called once at cold start or per CLI command.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeUtf8 } from '../../core/decode-utf8.ts';
import {
  buildTemplateCatalog,
  type TemplateCatalog,
  type TemplateIssue,
} from '../../core/messages/template-catalog.ts';

/** The template directory could not be read at all (missing, not a directory, no permission). */
export class TemplateLoadError extends Error {
  override readonly name = 'TemplateLoadError';
  /** Not retryable: the deployment or the command line points at the wrong place. */
  readonly retryable = false;
}

/** Options for {@link loadTemplateCatalog}. */
export interface LoadTemplateCatalogOptions {
  /** How file paths appear in issues and render failures; defaults to `dir` as given. */
  root?: string;
}

/**
 * Every `*.liquid` file under `dir`, recursively, keyed by its path relative to `dir` with `/`
 * separators (`renewal-reminder/sv.sms.liquid`), in sorted order. Hidden files and directories
 * (`.git`, editor swap files) are skipped; symbolic links are not followed.
 *
 * @throws TemplateLoadError when `dir` or a file in it cannot be read.
 */
export function readTemplateFiles(dir: string): Record<string, string> {
  return readTemplateFilesChecked(dir).files;
}

/** {@link readTemplateFiles}, with the files that are not valid UTF-8 as issues instead. */
function readTemplateFilesChecked(dir: string): { files: Record<string, string>; issues: TemplateIssue[] } {
  const files: Record<string, string> = {};
  const issues: TemplateIssue[] = [];
  const walk = (absolute: string, relative: string): void => {
    const entries = readdirSync(absolute, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1));
    for (const entry of entries) {
      if (entry.name.startsWith('.')) continue;
      const childRelative = relative === '' ? entry.name : `${relative}/${entry.name}`;
      const childAbsolute = join(absolute, entry.name);
      if (entry.isDirectory()) walk(childAbsolute, childRelative);
      else if (entry.isFile() && entry.name.endsWith('.liquid')) {
        const decoded = decodeUtf8(readFileSync(childAbsolute));
        if (decoded.ok) files[childRelative] = decoded.text;
        else issues.push({ file: childRelative, line: decoded.line, message: decoded.message });
      }
    }
  };
  try {
    walk(dir, '');
  } catch (cause) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    throw new TemplateLoadError(`cannot read templates from '${dir}': ${reason}`, { cause });
  }
  return { files, issues };
}

/**
 * Reads `dir` and builds the catalog. Problems in individual files come back as `issues` (with the
 * file as `<root>/<name>/<locale>.<channel>.liquid` and the line); the good templates are usable.
 *
 * @throws TemplateLoadError when the directory cannot be read at all.
 */
export function loadTemplateCatalog(
  dir: string,
  options: LoadTemplateCatalogOptions = {},
): { catalog: TemplateCatalog; issues: TemplateIssue[] } {
  const root = options.root ?? dir.replaceAll('\\', '/').replace(/^\.\//, '');
  const read = readTemplateFilesChecked(dir);
  const built = buildTemplateCatalog(read.files, { root });
  const unreadable = read.issues.map((issue) => ({
    ...issue,
    file: `${root.replace(/\/+$/, '')}/${issue.file}`,
  }));
  return { catalog: built.catalog, issues: [...unreadable, ...built.issues] };
}
