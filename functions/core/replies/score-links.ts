import { SCORE_MAX, SCORE_MIN } from './score-reply.ts';

/**
 * One-click score links in an email survey. The template cannot sign (the key is a secret of
 * the sender), so it renders placeholders, `survey.scoreLinks[i].url`, which the email sender
 * replaces with signed, expiring links at send time. The stored `rendered` text keeps the
 * placeholders: a signed link is a credential and is never written down.
 *
 * In a template: `{% for link in survey.scoreLinks %}<a href="{{ link.url }}">{{ link.score }}</a>{% endfor %}`.
 */
const PLACEHOLDER = /%%nudge-score-link-([1-5])%%/g;

/** The placeholder the email sender replaces with the signed link for `score`. */
function scoreLinkPlaceholder(score: number): string {
  return `%%nudge-score-link-${score}%%`;
}

/** What a template of a rule with `replies: { expect: score }` reads as `survey`. */
export function surveyTemplateData(): { scoreLinks: Array<{ score: number; url: string }> } {
  const scoreLinks: Array<{ score: number; url: string }> = [];
  for (let score = SCORE_MIN; score <= SCORE_MAX; score++)
    scoreLinks.push({ score, url: scoreLinkPlaceholder(score) });
  return { scoreLinks };
}

/** Whether a rendered text holds score-link placeholders. */
export function hasScoreLinks(text: string): boolean {
  return new RegExp(PLACEHOLDER.source).test(text);
}

/** Replaces every score-link placeholder with the link `urlFor` gives for its score. */
export function fillScoreLinks(text: string, urlFor: (score: number) => string): string {
  return text.replace(PLACEHOLDER, (_, digit: string) => urlFor(Number(digit)));
}
