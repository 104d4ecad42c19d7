import { createHash } from 'node:crypto';
import { escapeHtml } from '../core/messages/text-to-html.ts';

/** The languages the unsubscribe pages speak; English is the fallback. */
const UNSUBSCRIBE_PAGE_LANGUAGES = ['en', 'sv'] as const;
export type UnsubscribePageLanguage = (typeof UNSUBSCRIBE_PAGE_LANGUAGES)[number];

/** Which page: the question (GET), the answer (POST), or a refused link. */
export type UnsubscribePage =
  | { kind: 'confirm'; address: string; token: string }
  | { kind: 'done'; address: string }
  | { kind: 'invalid'; why: 'malformed' | 'forged' | 'expired' };

interface Texts {
  confirmTitle: string;
  confirmQuestion: (address: string) => string;
  confirmNote: string;
  button: string;
  doneTitle: string;
  doneText: (address: string) => string;
  invalidTitle: string;
  invalidText: string;
  expiredText: string;
}

const TEXTS: Readonly<Record<UnsubscribePageLanguage, Texts>> = {
  en: {
    confirmTitle: 'Unsubscribe from our emails',
    confirmQuestion: (address) => `Stop sending emails to ${address}?`,
    confirmNote: 'Nothing changes until you press the button.',
    button: 'Unsubscribe',
    doneTitle: 'You are unsubscribed',
    doneText: (address) => `We will send no more emails to ${address}.`,
    invalidTitle: 'This link is not valid',
    invalidText:
      'The unsubscribe link is incomplete or has been changed. Use the unsubscribe link in one of our emails, or reply to it and ask us to stop.',
    expiredText:
      'This unsubscribe link has expired. Use the unsubscribe link in a newer email from us, or reply to it and ask us to stop.',
  },
  sv: {
    confirmTitle: 'Avsluta våra e-postutskick',
    confirmQuestion: (address) => `Sluta skicka e-post till ${address}?`,
    confirmNote: 'Ingenting ändras förrän du trycker på knappen.',
    button: 'Avsluta prenumerationen',
    doneTitle: 'Du har avslutat prenumerationen',
    doneText: (address) => `Vi skickar inga fler mejl till ${address}.`,
    invalidTitle: 'Länken gäller inte',
    invalidText:
      'Avregistreringslänken är ofullständig eller har ändrats. Använd avregistreringslänken i något av våra mejl, eller svara på mejlet och be oss sluta.',
    expiredText:
      'Avregistreringslänken har gått ut. Använd länken i ett nyare mejl från oss, eller svara på mejlet och be oss sluta.',
  },
};

const STYLE =
  'body{font-family:system-ui,sans-serif;max-width:32rem;margin:3rem auto;padding:0 1rem;line-height:1.5;color:#222}' +
  'button{font-size:1rem;padding:.6rem 1.2rem;border-radius:.4rem;border:1px solid #444;background:#fff;cursor:pointer}';

/**
 * The Content-Security-Policy of every page: nothing may load, run or frame it; the one inline
 * style is allowed by its hash; the form may post only back to this origin.
 */
const UNSUBSCRIBE_PAGE_CSP = [
  "default-src 'none'",
  `style-src 'sha256-${createHash('sha256').update(STYLE, 'utf8').digest('base64')}'`,
  "form-action 'self'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
].join('; ');

/** Headers of every page: strict CSP, never cached (a page is about one address), no referrer (the URL holds the token). */
export function unsubscribePageHeaders(): Record<string, string> {
  return {
    'content-type': 'text/html; charset=utf-8',
    'content-security-policy': UNSUBSCRIBE_PAGE_CSP,
    'cache-control': 'no-store',
    'referrer-policy': 'no-referrer',
    'x-content-type-options': 'nosniff',
    'x-frame-options': 'DENY',
  };
}

/**
 * The page's language: the link's locale when it is signed and one we speak, else the first
 * language of Accept-Language we speak (by quality), else English.
 */
export function pageLanguage(
  tokenLocale: string | undefined,
  acceptLanguage: string | undefined,
): UnsubscribePageLanguage {
  const fromToken = spoken(tokenLocale);
  if (fromToken !== undefined) return fromToken;
  const ranked = (acceptLanguage ?? '')
    .split(',')
    .slice(0, 20)
    .map((part, index) => {
      const [tag = '', ...params] = part.trim().split(';');
      const q = params.map((param) => /^\s*q=([01](?:\.\d{0,3})?)\s*$/.exec(param)?.[1]).find(Boolean);
      return { tag: tag.trim(), q: q === undefined ? 1 : Number(q), index };
    })
    .filter((entry) => entry.q > 0)
    .sort((a, b) => b.q - a.q || a.index - b.index);
  for (const entry of ranked) {
    const language = spoken(entry.tag);
    if (language !== undefined) return language;
  }
  return 'en';
}

function spoken(locale: string | undefined): UnsubscribePageLanguage | undefined {
  const primary = locale?.toLowerCase().split(/[-_]/)[0];
  return UNSUBSCRIBE_PAGE_LANGUAGES.find((language) => language === primary);
}

/** The HTML of a page; every value from the request or the link is escaped. */
export function renderUnsubscribePage(page: UnsubscribePage, language: UnsubscribePageLanguage): string {
  const texts = TEXTS[language];
  let title: string;
  let body: string;
  switch (page.kind) {
    case 'confirm':
      title = texts.confirmTitle;
      // The form posts back to this very URL (token in the query) with the body RFC 8058 names,
      // so the button and a mail client's one-click POST are the same request.
      body =
        `<p>${escapeHtml(texts.confirmQuestion(page.address))}</p>\n` +
        `<form method="post" action="?t=${escapeHtml(encodeURIComponent(page.token))}">` +
        '<input type="hidden" name="List-Unsubscribe" value="One-Click">' +
        `<button type="submit">${escapeHtml(texts.button)}</button></form>\n` +
        `<p>${escapeHtml(texts.confirmNote)}</p>`;
      break;
    case 'done':
      title = texts.doneTitle;
      body = `<p>${escapeHtml(texts.doneText(page.address))}</p>`;
      break;
    case 'invalid':
      title = texts.invalidTitle;
      body = `<p>${escapeHtml(page.why === 'expired' ? texts.expiredText : texts.invalidText)}</p>`;
      break;
  }
  return [
    '<!doctype html>',
    `<html lang="${language}">`,
    '<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">',
    '<meta name="robots" content="noindex">',
    `<title>${escapeHtml(title)}</title><style>${STYLE}</style></head>`,
    `<body><h1>${escapeHtml(title)}</h1>\n${body}\n</body></html>`,
    '',
  ].join('\n');
}
