/** One `<Message>` of a TwiML answer to an incoming message. */
export interface TwimlMessage {
  /** The text: the element's own text, or its `<Body>` noun's. */
  readonly body: string;
  /** The `to` attribute; Twilio's default is the sender of the incoming message. */
  readonly to?: string;
  /** The `from` attribute; Twilio's default is the number the incoming message was sent to. */
  readonly from?: string;
}

const MESSAGE = /<Message\b([^>]*?)(?:\/>|>([\s\S]*?)<\/Message\s*>)/g;
const BODY = /<Body\b[^>]*>([\s\S]*?)<\/Body\s*>/;
const ATTRIBUTE = /([A-Za-z_][\w.-]*)\s*=\s*(?:"([^"]*)"|'([^']*)')/g;

/**
 * The `<Message>` verbs of a webhook's answer, as Twilio reads them to reply to an incoming SMS
 * (TwiML for Programmable Messaging): the document must have a `<Response>` root, or it is not
 * TwiML and nothing is sent. Enough of XML for what a webhook writes: entities and character
 * references decoded, comments and the declaration skipped, `<Media>` nouns ignored.
 */
export function readTwimlMessages(document: string): TwimlMessage[] {
  const xml = document
    .replace(/^\uFEFF/, '')
    .replace(/<!--[\s\S]*?-->/g, '')
    .replace(/<\?[\s\S]*?\?>/g, '')
    .trim();
  if (!/^<Response\b[^>]*>/.test(xml) && !/^<Response\s*\/>$/.test(xml)) return [];
  const messages: TwimlMessage[] = [];
  for (const match of xml.matchAll(MESSAGE)) {
    const attributes = new Map<string, string>();
    for (const attribute of (match[1] ?? '').matchAll(ATTRIBUTE))
      attributes.set(attribute[1] ?? '', decodeXml(attribute[2] ?? attribute[3] ?? ''));
    const inner = match[2] ?? '';
    const body = BODY.exec(inner)?.[1] ?? inner.replace(/<Media\b[\s\S]*?(?:\/>|<\/Media\s*>)/g, '');
    const to = attributes.get('to');
    const from = attributes.get('from');
    messages.push({
      body: decodeXml(
        body.replace(/<!\[CDATA\[([\s\S]*?)\]\]>/g, (_, data: string) => escapeForDecode(data)),
      ),
      ...(to === undefined ? {} : { to }),
      ...(from === undefined ? {} : { from }),
    });
  }
  return messages;
}

const NAMED_ENTITIES: Readonly<Record<string, string>> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

function decodeXml(text: string): string {
  return text.replace(/&(#x[0-9a-fA-F]+|#\d+|amp|lt|gt|quot|apos);/g, (_, entity: string) => {
    if (entity.startsWith('#x')) return String.fromCodePoint(Number.parseInt(entity.slice(2), 16));
    if (entity.startsWith('#')) return String.fromCodePoint(Number.parseInt(entity.slice(1), 10));
    return NAMED_ENTITIES[entity] ?? '';
  });
}

/** CDATA is literal text: escape its `&` so decoding leaves it as written. */
function escapeForDecode(data: string): string {
  return data.replaceAll('&', '&amp;');
}
