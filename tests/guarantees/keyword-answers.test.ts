import { DateTime } from 'luxon';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalRuntime } from '../../local/runtime/local-runtime.ts';
import { cells, recordFigures } from './support/figures.ts';
import {
  acceptedSms,
  e164,
  NUDGE_NUMBER,
  postInboundSms,
  StopLog,
  twimlMessages,
} from './support/public-surfaces.ts';
import { allMessages, startFrozenRuntime } from './support/runtime-driver.ts';

// Guarantee: every HELP, STOP and START a customer texts — in English or a Nordic language, in
// any letter case, with punctuation — gets exactly one answer, once: a replayed or retried
// webhook (same MessageSid) gets none; YES, NO and free text get none. The answers are replies,
// not rule messages: they create no message record and do not count against the frequency cap.
//
// The oracle is the test's own table of what each body it texts means (not the engine's keyword
// list), the TwiML `<Message>` elements of each webhook answer, and the `outbound-reply` messages
// the Twilio sandbox captured (what Twilio would have sent) — counted per number.
const START = DateTime.fromISO('2027-03-02T08:00:00Z', { zone: 'utc' }); // a Tuesday, 09:00 local
const CREDENTIALS = {
  twilioAccountSid: `AC${'6'.repeat(32)}`,
  twilioAuthToken: 'keyword-suite-auth-token',
  sendgridApiKey: 'SG.keyword-suite-api-key',
};

/** What the test means by each body it texts: the keyword a customer uses, or nothing to answer. */
type Meaning = 'stop' | 'start' | 'help' | 'none';

/** One SMS the test texted, and what came back. */
interface Texted {
  number: string;
  body: string;
  meaning: Meaning;
  sid: string;
  /** `<Message>` elements in the webhook's TwiML answer. */
  twiml: number;
  /** `outbound-reply` messages the sandbox sent for this webhook. */
  replies: number;
  at: DateTime;
}

let runtime: LocalRuntime;

beforeAll(async () => {
  runtime = await startFrozenRuntime(START, { sandboxCredentials: CREDENTIALS, providerReports: 'manual' });
}, 120_000);

afterAll(async () => runtime?.stop());

function tick(minutes = 1): DateTime {
  runtime.clock.set(runtime.clock.now().plus({ minutes }));
  return runtime.clock.now();
}

/** Every `outbound-reply` the sandbox captured (an answer Twilio sent), recipient normalised by the test. */
function answersCaptured(): Array<{ to: string; at: DateTime; sid: string }> {
  return runtime.twilio
    .messages()
    .filter((sms) => sms.direction === 'outbound-reply')
    .map((sms) => ({
      to: e164(sms.to),
      at: DateTime.fromJSDate(sms.dateCreated, { zone: 'utc' }),
      sid: sms.sid,
    }));
}

describe('8c HELP/STOP/START answers', () => {
  it('each HELP, STOP and START texted gets exactly one answer, a replay none, YES and free text none; answers make no record and do not count against the cap', async ({
    task,
  }) => {
    // Arrange
    const texted: Texted[] = [];
    const replays: Array<{ of: Texted; how: string; twiml: number; status: number | null }> = [];
    const stops = new StopLog();
    /** Texts `body` from `number` through the Twilio sandbox (signed as Twilio signs, TwiML answer sent). */
    const text = async (number: string, body: string, meaning: Meaning): Promise<Texted> => {
      const at = tick();
      const result = await runtime.twilio.sendInbound({ from: number, to: NUDGE_NUMBER, body });
      expect(result.status, `${body} from ${number}`).toBe(200);
      const entry: Texted = {
        number: e164(number),
        body,
        meaning,
        sid: result.sid,
        twiml: twimlMessages(result.attempt.responseBody ?? '').length,
        replies: result.replies.length,
        at,
      };
      texted.push(entry);
      if (meaning === 'stop' || meaning === 'start')
        stops.add({ number, at, kind: meaning, label: `${body} from ${number}` });
      return entry;
    };
    /** Twilio's own retry: the same webhook re-sent verbatim (body and signature). */
    const replayVerbatim = async (entry: Texted) => {
      tick();
      const original = runtime.twilio
        .callbacks()
        .find((attempt) => attempt.kind === 'inbound' && attempt.subject === entry.sid);
      if (original === undefined) throw new Error(`no webhook attempt for ${entry.sid}`);
      const attempt = await runtime.twilio.replayCallback(original.id);
      replays.push({
        of: entry,
        how: 'verbatim',
        twiml: twimlMessages(attempt.responseBody ?? '').length,
        status: attempt.responseStatus,
      });
    };
    /** The same MessageSid posted again, signed by the test with `twilio`'s own helper. */
    const replaySameSid = async (entry: Texted) => {
      tick();
      const answer = await postInboundSms(runtime, CREDENTIALS.twilioAuthToken, {
        from: entry.number,
        body: entry.body,
        sid: entry.sid,
      });
      replays.push({
        of: entry,
        how: 'same MessageSid',
        twiml: twimlMessages(answer.body).length,
        status: answer.status,
      });
    };
    let serial = 0;
    /** An appointment 24 h ahead: the non-urgent reminder is due in a minute, held to the cap. */
    const remind = async (customerId: string, phone: string) => {
      serial++;
      await runtime.evaluate({
        version: '0',
        id: `ev-kw-${serial}`,
        'detail-type': 'AppointmentBooked',
        source: 'acme.bookings',
        account: '111122223333',
        time: runtime.clock.now().toISO(),
        region: 'eu-north-1',
        resources: [],
        detail: {
          appointmentId: `AP-KW${serial}`,
          location: 'Klinik Nord',
          appointmentAt: runtime.clock.now().plus({ hours: 24, minutes: 1 }).toISO(),
          customer: { id: customerId, firstName: 'Sam', phone, locale: 'sv', timeZone: 'Europe/Stockholm' },
        },
      });
      tick(2);
      await runtime.drain();
    };

    // Act — keywords from numbers nobody was ever messaged on (Swedish, Finnish, Danish,
    // Norwegian, British): each must be answered once, and nothing else.
    const sv = '+46702000001';
    const fi = '+358401234567';
    const fi2 = '+358401234568';
    const no = '+4791234567';
    const gb = '+447911123456';
    const help = await text(sv, 'HELP', 'help');
    await text(sv, 'HJÄLP', 'help');
    const stopp = await text(sv, 'STOPP!', 'stop');
    await text(sv, 'hjälp', 'help'); // HELP while opted out: asked for, so answered
    const startSv = await text(sv, 'START', 'start');
    await text(sv, 'sluta', 'stop');
    await text(sv, 'Start', 'start');
    await text(fi, 'APUA', 'help');
    const seis = await text(fi, 'SEIS', 'stop');
    const aloita = await text(fi, 'ALOITA', 'start');
    await text(fi2, 'Stop.', 'stop');
    await text(no, 'HJELP', 'help');
    await text(no, 'stop', 'stop');
    await text(gb, 'help', 'help');
    await text(gb, 'STOP', 'stop');
    // Not keywords: no answer.
    await text(sv, 'YES', 'none');
    await text(fi, 'Kyllä', 'none');
    await text(gb, 'Thanks, see you at three', 'none');
    await text(no, 'Can you call me after lunch?', 'none');
    await text(sv, 'Ja tack', 'none');

    // Replays: verbatim (Twilio's retry) and the same MessageSid signed anew.
    for (const entry of [help, stopp, startSv, seis, aloita]) await replayVerbatim(entry);
    for (const entry of [help, stopp, aloita]) await replaySameSid(entry);

    const recordsBefore = await allMessages(runtime.stores);

    // The cap (3 non-urgent messages per customer in 24 h): two reminders, then keywords from
    // the customer's own number answered, then a third reminder must still go and a fourth not.
    const capped = { id: 'cust-cap', phone: '+46702000009' };
    await remind(capped.id, capped.phone);
    await remind(capped.id, capped.phone);
    await text(capped.phone, 'HELP', 'help');
    await text(capped.phone, 'INFO', 'help');
    await text(capped.phone, 'START', 'start');
    await text(capped.phone, 'HJÄLP', 'help');
    await remind(capped.id, capped.phone);
    await remind(capped.id, capped.phone);
    await runtime.settle();

    // Assert
    const records = await allMessages(runtime.stores);
    const answers = answersCaptured();
    const answered = texted.filter((entry) => entry.meaning !== 'none');
    const silent = texted.filter((entry) => entry.meaning === 'none');
    const notOnce = answered.filter((entry) => entry.twiml !== 1 || entry.replies !== 1);
    const answeredSilent = silent.filter((entry) => entry.twiml !== 0 || entry.replies !== 0);
    const replayAnswers = replays.filter((replay) => replay.twiml !== 0 || replay.status !== 200);
    // Per number: the answers Twilio sent must be exactly the answered keywords texted from it.
    const numbers = [...new Set(texted.map((entry) => entry.number))];
    const perNumber = numbers
      .map((number) => ({
        number,
        expected: answered.filter((entry) => entry.number === number).length,
        captured: answers.filter((answer) => answer.to === number).length,
      }))
      .filter((row) => row.expected !== row.captured);
    const strays = answers.filter((answer) => !numbers.includes(answer.to));
    // Answers to a number under a STOP: only the answers to what it texted (its STOP's
    // confirmation, a HELP it asked for) — each at the instant of a keyword it sent.
    const toStopped = answers.filter((answer) =>
      stops.stopInForce(answer.to, answer.at.plus({ milliseconds: 1 })),
    );
    const unrequested = toStopped.filter(
      (answer) =>
        !answered.some((entry) => entry.number === answer.to && entry.at.toMillis() === answer.at.toMillis()),
    );
    const keywordOnly = new Set(numbers.filter((number) => number !== e164(capped.phone)));
    const recordsForKeywords = records.filter(
      (record) => record.to !== undefined && keywordOnly.has(e164(record.to)),
    );
    const recordsAdded = records.length - recordsBefore.length;
    const reminders = acceptedSms(runtime).filter((sms) => sms.to === e164(capped.phone));
    const countOf = (meaning: Meaning) => answered.filter((entry) => entry.meaning === meaning).length;
    const confirmed = (meaning: Meaning) =>
      answered.filter((entry) => entry.meaning === meaning && entry.twiml === 1 && entry.replies === 1)
        .length;
    const summary = `${confirmed('help')}/${confirmed('stop')}/${confirmed('start')}`;
    const sentSummary = `${countOf('help')}/${countOf('stop')}/${countOf('start')}`;
    recordFigures(task, {
      suite: '8c HELP/STOP/START answers',
      injected: cells([
        ['HELP/STOP/START texted (en, sv, fi, no; any case, punctuation)', sentSummary],
        ['YES / free text texted', silent.length],
        ['replayed webhooks (verbatim, same MessageSid)', replays.length],
        ['non-urgent reminders to one customer around its keywords', 4],
      ]),
      observed: cells([
        ['answers (TwiML and sent by Twilio) HELP/STOP/START', summary],
        ['answers to YES / free text', answeredSilent.length],
        ['answers to replays', replayAnswers.length],
        ['answers sent to a stopped number unasked', unrequested.length],
        ['message records from answers', recordsForKeywords.length],
        ['reminders sent under the cap of 3 after 4 answers', reminders.length],
      ]),
      key: [
        {
          figure: 'HELP/STOP/START confirmations sent',
          value: `${summary} of ${sentSummary}`,
          target: `= keywords sent (${sentSummary}), one each`,
        },
        {
          figure: 'answers to replayed webhooks / YES / free text',
          value: `${replayAnswers.length}/${answeredSilent.length}`,
          target: '0/0',
        },
        {
          figure: 'message records or cap counted for answers',
          value: String(recordsForKeywords.length),
          target: '0',
        },
      ],
    });
    expect(
      notOnce.map(
        (entry) => `${entry.body} from ${entry.number}: ${entry.twiml} TwiML, ${entry.replies} sent`,
      ),
    ).toEqual([]);
    expect(answeredSilent.map((entry) => `${entry.body} from ${entry.number}`)).toEqual([]);
    expect(
      replayAnswers.map(
        (replay) => `${replay.how} replay of ${replay.of.body}: ${replay.status}, ${replay.twiml} answers`,
      ),
    ).toEqual([]);
    expect(perNumber).toEqual([]);
    expect(strays).toEqual([]);
    expect(unrequested.map((answer) => `${answer.to} at ${answer.at.toISO()}`)).toEqual([]);
    expect(toStopped.length).toBeGreaterThanOrEqual(6); // the STOP confirmations were judged here
    expect(recordsForKeywords.map((record) => record.messageId)).toEqual([]);
    expect(recordsAdded).toBe(4); // the four reminders, nothing for the four answers between
    // Three reminders sent: the four answers did not use up the cap; the fourth was capped
    // (so the test can tell a cap that counts answers from one that counts nothing).
    expect(reminders).toHaveLength(3);
    expect(runtime.deadLetters()).toEqual([]);
  }, 60_000);
});
