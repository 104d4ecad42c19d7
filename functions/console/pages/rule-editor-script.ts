/**
 * The rule editor's client script, served as `/static/rule-editor.js` and loaded with the page's
 * CSP nonce. As the rule or a template is typed it asks the server (debounced) to validate the
 * draft — the messages are `nudge rules validate`'s, placed next to the field whose file they
 * name — and, when the draft is valid, to preview it per locale and channel. Text from the server
 * is only ever set as `textContent`, never as HTML.
 */
export const RULE_EDITOR_SCRIPT = `(() => {
  'use strict';
  const form = document.getElementById('editor-form');
  if (form === null) return;
  const ruleFile = form.dataset.ruleFile;
  const yaml = document.getElementById('rule-yaml');
  const validity = document.getElementById('validity');
  const preview = document.getElementById('preview');
  const previewSource = document.getElementById('preview-source');
  const eventBox = document.getElementById('preview-event');
  const ruleId = form.elements.namedItem('ruleId').value;
  let timer;
  let seq = 0;

  const templateAreas = () => Array.from(document.querySelectorAll('textarea[data-template]'));
  const draft = () => {
    const templates = {};
    for (const area of templateAreas()) templates[area.dataset.template] = area.value;
    return { ...(ruleId === '' ? {} : { ruleId }), yaml: yaml.value, templates };
  };
  const post = async (path, body) => {
    const res = await fetch(path, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify(body),
    });
    return { status: res.status, body: await res.json() };
  };
  const listFor = (file) => {
    if (file === ruleFile) return document.getElementById('issues-rule');
    const area = templateAreas().find((a) => a.dataset.file === file);
    const list = area === undefined ? null : area.parentElement.querySelector('ul.field-issues');
    return list ?? document.getElementById('issues-other');
  };
  const showIssues = (issues, warnings) => {
    for (const list of document.querySelectorAll('ul.field-issues')) list.replaceChildren();
    for (const issue of issues) {
      const li = document.createElement('li');
      li.textContent = issue.text;
      listFor(issue.file).append(li);
    }
    for (const warning of warnings) {
      const li = document.createElement('li');
      li.className = 'warning';
      li.textContent = warning.text + ' (warning)';
      listFor(warning.file).append(li);
    }
    validity.className = issues.length === 0 ? 'ok' : 'bad';
    validity.textContent = issues.length === 0 ? '\\u2713 Valid' : issues.length + ' problem(s)';
  };
  const el = (tag, className, text) => {
    const node = document.createElement(tag);
    if (className !== '') node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  };
  const showPreview = (result) => {
    preview.replaceChildren();
    if (result.event === null) { previewSource.textContent = result.note; return; }
    const from = result.from === 'given' ? 'the event you gave' : result.from === 'archive' ? 'the latest archived event it matches' : 'a sample event it matches';
    previewSource.textContent = 'Rendered for ' + from + ': ' + result.event['detail-type'] + ' ' + result.event.id + '.';
    for (const render of result.renders) {
      const card = el('div', 'render');
      card.dataset.file = render.file;
      card.append(el('h3', '', render.locale + ' \\u00b7 ' + render.channel));
      if (!render.ok) { card.append(el('div', 'error', render.error)); preview.append(card); continue; }
      if (render.subject !== undefined) card.append(el('div', 'subject', render.subject));
      card.append(el('div', 'bubble', render.text));
      if (render.segments !== undefined) card.append(el('div', 'sms-meta', render.encoding + ' \\u00b7 ' + render.segments + ' segment' + (render.segments === 1 ? '' : 's') + ' \\u00b7 ' + render.text.length + ' chars'));
      preview.append(card);
    }
  };
  const givenEvent = () => {
    const text = eventBox.value.trim();
    if (text === '') return undefined;
    try { return JSON.parse(text); } catch (error) { previewSource.textContent = 'The event is not JSON: ' + error.message; return null; }
  };
  const check = async () => {
    const mine = ++seq;
    try {
      const body = draft();
      const checked = await post('/api/rule-sets/validate', body);
      if (mine !== seq) return;
      if (checked.status !== 200) { validity.className = 'bad'; validity.textContent = checked.body.error.message; return; }
      showIssues(checked.body.issues, checked.body.warnings);
      if (!checked.body.valid) return;
      const event = givenEvent();
      if (event === null) return;
      const shown = await post('/api/rule-sets/preview', event === undefined ? body : { ...body, event });
      if (mine !== seq) return;
      if (shown.status === 200) showPreview(shown.body);
      else previewSource.textContent = shown.body.error.message;
    } catch (error) {
      if (mine === seq) { validity.className = 'bad'; validity.textContent = 'Could not check: ' + error.message; }
    }
  };
  const soon = () => { clearTimeout(timer); timer = setTimeout(check, 350); };
  form.addEventListener('input', (e) => { if (e.target !== eventBox) soon(); });
  document.getElementById('preview-with-event').addEventListener('click', () => check());
  document.getElementById('add-template').addEventListener('click', () => {
    const input = document.getElementById('new-template-path');
    const path = input.value.trim();
    if (path === '' || templateAreas().some((a) => a.dataset.template === path)) return;
    const index = templateAreas().length;
    const field = el('div', 'field template-field');
    const label = el('label', '');
    label.htmlFor = 'template-' + index;
    label.append(el('code', '', 'templates/' + path));
    const area = el('textarea', 'code');
    area.id = 'template-' + index;
    area.name = 'template:' + path;
    area.spellcheck = false;
    area.dataset.template = path;
    area.dataset.file = 'templates/' + path;
    const list = el('ul', 'field-issues');
    list.id = 'issues-template-' + index;
    field.append(label, area, list);
    document.getElementById('templates').append(field);
    input.value = '';
    area.focus();
    soon();
  });
  check();
})();
`;
