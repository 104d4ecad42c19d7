import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  loadTemplateCatalog,
  readTemplateFiles,
  TemplateLoadError,
} from '../../../functions/app/templates/load-template-catalog.ts';
import { templateNames } from '../../../functions/core/messages/template-catalog.ts';

describe('loadTemplateCatalog', () => {
  let dir: string;

  const write = (relative: string, text: string): void => {
    const path = join(dir, relative);
    mkdirSync(join(path, '..'), { recursive: true });
    writeFileSync(path, text);
  };

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'nudge-templates-'));
  });

  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('reads every .liquid file recursively, keyed by its relative path, skipping other and hidden files', () => {
    // Arrange
    write('renewal-reminder/sv.sms.liquid', 'Hej');
    write('renewal-reminder/en.email.liquid', 'subject: Hi\n--- text\nHi');
    write('renewal-reminder/README.md', '# notes');
    write('.drafts/sv.sms.liquid', 'draft');
    write('renewal-reminder/.sv.sms.liquid.swp', 'swap');
    // Act
    const files = readTemplateFiles(dir);
    // Assert
    expect(files).toEqual({
      'renewal-reminder/en.email.liquid': 'subject: Hi\n--- text\nHi',
      'renewal-reminder/sv.sms.liquid': 'Hej',
    });
  });

  it('builds the catalog and names files in issues after the root', () => {
    write('renewal-reminder/sv.sms.liquid', 'Hej {{ customer.firstName }}');
    write('renewal-reminder/da.sms.liquid', 'Hej {% if %}');
    const { catalog, issues } = loadTemplateCatalog(dir, { root: 'templates' });
    expect(templateNames(catalog)).toEqual(['renewal-reminder']);
    expect(issues).toEqual([
      {
        file: 'templates/renewal-reminder/da.sms.liquid',
        line: 1,
        column: expect.any(Number),
        message: expect.any(String),
      },
    ]);
  });

  it('uses the directory as given for file names by default', () => {
    write('a/sv.sms.liquid', '{% if %}');
    const { issues } = loadTemplateCatalog(dir);
    expect(issues[0]?.file).toBe(`${dir}/a/sv.sms.liquid`);
  });

  it('fails with a TemplateLoadError when the directory cannot be read', () => {
    const missing = join(dir, 'missing');
    expect(() => loadTemplateCatalog(missing)).toThrow(TemplateLoadError);
    expect(() => loadTemplateCatalog(missing)).toThrow(`cannot read templates from '${missing}'`);
  });
});
