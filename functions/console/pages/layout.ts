import { html, type SafeHtml, timeIn, trustedHtml } from '../html.ts';

/** What every page's frame shows: the virtual clock and where things are. */
export interface PageFrame {
  clock: { now: string; speed: number };
  endpoints: { console: string; events: string; twilio: string; sendgrid: string };
  /** Per-response nonce that the Content-Security-Policy allows for the inline script. */
  nonce: string;
}

/** The sections of the console, in nav order. */
const NAV = [
  { path: '/', label: 'Outbox' },
  { path: '/customers', label: 'Customers' },
  { path: '/rules', label: 'Rules' },
  { path: '/pending', label: 'Pending' },
  { path: '/try', label: 'Try it' },
  { path: '/audit', label: 'Audit' },
] as const;

/** The nav section a page belongs to, highlighted in the header. */
export type Section = (typeof NAV)[number]['path'] | 'none';

const STYLE = trustedHtml(`<style>
:root { color-scheme: light; --ink:#1d2330; --muted:#5d6677; --line:#dfe3ea; --bg:#f6f7f9; --card:#fff;
  --accent:#2456c7; --ok:#16794a; --okbg:#e3f5ea; --info:#1f55b5; --infobg:#e4ecfb; --warn:#8a5300; --warnbg:#fdf0d9;
  --bad:#b42323; --badbg:#fde6e6; --quiet:#4b5563; --quietbg:#eceef2; --plan:#5b3cc4; --planbg:#ece7fb; }
* { box-sizing: border-box; }
body { margin:0; font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color:var(--ink); background:var(--bg); }
a { color:var(--accent); text-decoration:none; } a:hover { text-decoration:underline; }
header.top { background:#1d2330; color:#e8ecf3; }
header.top .bar { max-width:1240px; margin:0 auto; padding:10px 20px; display:flex; gap:24px; align-items:center; flex-wrap:wrap; }
header.top .brand { font-weight:700; font-size:17px; color:#fff; letter-spacing:.2px; }
header.top nav { display:flex; gap:4px; }
header.top nav a { color:#c9d2e3; padding:5px 11px; border-radius:6px; }
header.top nav a[aria-current="page"] { background:#3a4458; color:#fff; }
header.top nav a:hover { background:#2d3547; text-decoration:none; }
header.top .clock { margin-left:auto; font-variant-numeric:tabular-nums; color:#e8ecf3; }
header.top .clock .label { color:#9aa5b8; margin-right:4px; }
header.top .clock .speed { background:#3a4458; border-radius:10px; padding:1px 8px; margin-left:6px; font-size:13px; }
header.top .endpoints { max-width:1240px; margin:0 auto; padding:0 20px 8px; font-size:12.5px; color:#9aa5b8; display:flex; gap:18px; flex-wrap:wrap; }
header.top .endpoints code { color:#c9d2e3; }
main { max-width:1240px; margin:0 auto; padding:20px; }
h1 { font-size:22px; margin:4px 0 14px; } h2 { font-size:17px; margin:22px 0 10px; } h3 { font-size:15px; margin:14px 0 6px; }
.card { background:var(--card); border:1px solid var(--line); border-radius:10px; padding:16px 18px; margin-bottom:16px; }
.card > h2:first-child, .card > h3:first-child { margin-top:0; }
.issues-card { border-color:#f3bcbc; background:#fffafa; }
table { width:100%; border-collapse:collapse; background:var(--card); }
.card table { background:transparent; }
th, td { text-align:left; padding:8px 10px; border-bottom:1px solid var(--line); vertical-align:top; }
th { white-space:nowrap; font-size:12.5px; text-transform:uppercase; letter-spacing:.4px; color:var(--muted); font-weight:600; background:#fafbfc; }
tr.row-link:hover td { background:#f3f6fc; }
a.gist { color:inherit; display:block; } a.gist:hover { text-decoration:none; } tr.row-link:hover a.gist div:first-child { text-decoration:underline; }
.table-card { padding:0; overflow:hidden; } .table-card table { margin:0; }
tr:last-child td { border-bottom:none; }
td.text { max-width:460px; }
.muted { color:var(--muted); } .small { font-size:13px; } .nowrap { white-space:nowrap; }
code, pre { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size:13px; }
pre { background:#f4f5f8; border:1px solid var(--line); border-radius:8px; padding:12px; overflow:auto; max-height:480px; margin:0; }
.badge { display:inline-block; border-radius:10px; padding:1px 9px; font-size:12.5px; font-weight:600; white-space:nowrap; background:var(--quietbg); color:var(--quiet); }
.badge.ok { background:var(--okbg); color:var(--ok); } .badge.info { background:var(--infobg); color:var(--info); }
.badge.warn { background:var(--warnbg); color:var(--warn); } .badge.bad { background:var(--badbg); color:var(--bad); }
.badge.plan { background:var(--planbg); color:var(--plan); }
.empty { padding:28px; text-align:center; color:var(--muted); background:var(--card); border:1px dashed var(--line); border-radius:10px; }
.notice { padding:10px 14px; border-radius:8px; margin-bottom:14px; background:var(--okbg); color:var(--ok); border:1px solid #b9e2c9; }
.error { padding:10px 14px; border-radius:8px; margin-bottom:14px; background:var(--badbg); color:var(--bad); border:1px solid #f3bcbc; }
.issues li { color:var(--bad); } .valid { color:var(--ok); font-weight:600; }
.grid2 { display:grid; grid-template-columns: 1fr 1fr; gap:16px; } @media (max-width: 900px) { .grid2 { grid-template-columns: 1fr; } }
dl.facts { display:grid; grid-template-columns: max-content 1fr; gap:4px 16px; margin:0; } dl.facts dt { color:var(--muted); } dl.facts dd { margin:0; }
.phone { width:320px; max-width:100%; background:#eef1f6; border:1px solid var(--line); border-radius:24px; padding:18px 14px; }
.bubble { background:#e5e8ee; color:#111; border-radius:16px 16px 16px 4px; padding:10px 13px; white-space:pre-wrap; overflow-wrap:anywhere; }
.bubble.me { background:#2f7cf6; color:#fff; border-radius:16px 16px 4px 16px; margin-left:40px; }
.timeline .bubble.me { display:inline-block; margin-left:0; max-width:480px; }
.inbox-list, .phone-list { list-style:none; margin:0; padding:0; }
.phone-list { background:#eef1f6; border-radius:16px; padding:12px; }
.phone-list li { margin-bottom:12px; } .phone-list li:last-child { margin-bottom:0; }
.phone-list .meta, .inbox-list .meta { font-size:12.5px; color:var(--muted); margin-bottom:4px; }
.inbox-list .subject { font-size:15px; margin:0; }
.inbox-list li { padding:8px 0; border-bottom:1px solid var(--line); } .inbox-list li:last-child { border-bottom:none; }
.sms-meta { margin-top:8px; font-size:12.5px; color:var(--muted); }
iframe.email { width:100%; height:420px; border:1px solid var(--line); border-radius:8px; background:#fff; }
.subject { font-weight:600; font-size:16px; margin-bottom:8px; }
.timeline { list-style:none; margin:0; padding:0; }
.timeline li { display:grid; grid-template-columns: 190px 130px 1fr; gap:12px; padding:9px 4px; border-bottom:1px solid var(--line); }
.timeline li:last-child { border-bottom:none; }
details summary { cursor:pointer; color:var(--accent); font-size:13px; }
.field { margin-bottom:12px; } label { display:block; font-weight:600; margin-bottom:4px; font-size:14px; }
textarea, input[type=text], select { width:100%; font: inherit; padding:7px 9px; border:1px solid #c5ccd8; border-radius:7px; background:#fff; }
textarea { font-family: ui-monospace, Menlo, Consolas, monospace; font-size:13px; min-height:300px; }
button { font:inherit; font-weight:600; padding:7px 16px; border-radius:7px; border:1px solid var(--accent); background:var(--accent); color:#fff; cursor:pointer; }
button.secondary { background:#fff; color:var(--accent); }
button.small { padding:2px 10px; font-size:13px; }
button.danger { background:var(--bad); border-color:var(--bad); }
.quick { display:flex; gap:6px; flex-wrap:wrap; margin-top:8px; }
.pager { display:flex; gap:16px; margin-top:12px; }
.rule-head { display:flex; gap:10px; align-items:baseline; flex-wrap:wrap; }
.rule-head h2 { margin:0; }
.counts { display:flex; gap:6px; flex-wrap:wrap; }
.rule-stats-row { display:flex; gap:24px; align-items:flex-start; flex-wrap:wrap; } table.rule-stats { width:auto; } td.num { text-align:right; font-variant-numeric:tabular-nums; }
.legend { margin-right:10px; } .badge.provisional { white-space:normal; display:block; margin-bottom:8px; }
form.filter { display:grid; grid-template-columns: repeat(4, 1fr) auto auto; gap:8px 12px; align-items:end; } form.filter .field { margin:0; }
.decision { margin-top:6px; } .decision .reason, .reason { color:var(--muted); } ul.changes { margin:4px 0 0; padding-left:18px; }
.zone-picker { display:flex; gap:8px; align-items:center; margin-bottom:8px; } .zone-picker label { display:inline; margin:0; } .zone-picker select { width:auto; }
</style>`);

// Refreshes the `[data-live]` regions of list pages every 2 s from the same URL (never the
// forms, so typing is not interrupted), keeps open <details> open, and fills the Try-it fields.
// A failed fetch is ignored: the runtime may be restarting, and the next tick tries again.
const SCRIPT = `(() => {
  const regions = () => Array.from(document.querySelectorAll('[data-live][id]'));
  let busy = false;
  const tick = async () => {
    if (busy || document.hidden || regions().length === 0) return;
    const selection = window.getSelection();
    if (selection !== null && selection.toString() !== '') return;
    busy = true;
    try {
      const res = await fetch(location.href, { headers: { accept: 'text/html' }, cache: 'no-store' });
      if (!res.ok) return;
      const doc = new DOMParser().parseFromString(await res.text(), 'text/html');
      for (const el of regions()) {
        const next = doc.getElementById(el.id);
        if (next === null || next.innerHTML === el.innerHTML) continue;
        const open = Array.from(el.querySelectorAll('details[open][id]')).map((d) => d.id);
        el.innerHTML = next.innerHTML;
        for (const id of open) { const d = document.getElementById(id); if (d !== null) d.open = true; }
      }
    } catch { } finally { busy = false; }
  };
  setInterval(tick, 2000);
  const select = document.getElementById('sample');
  const area = document.getElementById('event');
  if (select !== null && area !== null) {
    select.addEventListener('change', () => {
      const option = select.selectedOptions[0];
      if (option !== undefined && option.dataset.event !== undefined) area.value = option.dataset.event;
    });
  }
  // The customer timeline shows times in the viewer's zone: the browser's, unless one was picked.
  const zone = document.getElementById('tz');
  if (zone !== null) {
    const url = new URL(location.href);
    const mine = Intl.DateTimeFormat().resolvedOptions().timeZone;
    if (zone.hasAttribute('data-browser-zone') && mine && !url.searchParams.has('tz')) {
      url.searchParams.set('tz', mine);
      location.replace(url.href);
    }
    zone.addEventListener('change', () => { if (zone.form !== null) zone.form.submit(); });
  }
  document.addEventListener('click', (e) => {
    const button = e.target instanceof Element ? e.target.closest('[data-fill-from]') : null;
    const from = document.getElementById('from');
    if (button !== null && from !== null) { from.value = button.getAttribute('data-fill-from') ?? ''; from.focus(); }
  });
})();`;

/** The whole page: head, header with nav, clock and endpoints, then the page's body. */
export function layout(
  frame: PageFrame,
  options: { title: string; section: Section },
  body: SafeHtml,
): SafeHtml {
  const nav = NAV.map(
    (item) =>
      html`<a href="${item.path}"${item.path === options.section ? trustedHtml(' aria-current="page"') : ''}>${item.label}</a>`,
  );
  const { endpoints } = frame;
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${options.title} · Nudge console</title>
${STYLE}
</head>
<body>
<header class="top">
  <div class="bar">
    <span class="brand">Nudge console</span>
    <nav aria-label="Sections">${nav}</nav>
    <span class="clock" id="clock" data-live title="Virtual clock of the local runtime">${clockText(frame.clock)}</span>
  </div>
  <div class="endpoints">
    <span>events <code>${endpoints.events}</code></span>
    <span>twilio sandbox <code>${endpoints.twilio}</code></span>
    <span>sendgrid sandbox <code>${endpoints.sendgrid}</code></span>
    <span>console <code>${endpoints.console}</code></span>
  </div>
</header>
<main>
${body}
</main>
<script nonce="${frame.nonce}">${trustedHtml(SCRIPT)}</script>
</body>
</html>`;
}

function clockText(clock: { now: string; speed: number }): SafeHtml {
  return html`<span class="label">virtual clock</span>${timeIn(clock.now, 'UTC', { seconds: true })}<span class="speed">×${clock.speed}</span>`;
}
