// GSM 03.38 basic character set; a body made only of these (and the extension table) is sent in
// 7-bit GSM encoding, anything else forces UCS-2. That choice decides how many segments it costs.
const GSM_BASIC = new Set(
  '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà',
);
// Extension table characters take an escape septet plus their own.
const GSM_EXTENSION = new Set('^{}\\[~]|€\f');

/** How an SMS body is encoded and how many segments it needs. */
export interface SmsSegmentation {
  readonly encoding: 'GSM-7' | 'UCS-2';
  readonly segments: number;
}

/**
 * Count SMS segments the way carriers do: 160 GSM-7 septets (153 per part when concatenated)
 * or 70 UCS-2 code units (67 per part).
 */
export function segmentSms(body: string): SmsSegmentation {
  let septets = 0;
  let gsm = true;
  for (const char of body) {
    if (GSM_BASIC.has(char)) septets += 1;
    else if (GSM_EXTENSION.has(char)) septets += 2;
    else {
      gsm = false;
      break;
    }
  }
  if (gsm) {
    return { encoding: 'GSM-7', segments: septets <= 160 ? 1 : Math.ceil(septets / 153) };
  }
  const units = body.length;
  return { encoding: 'UCS-2', segments: units <= 70 ? 1 : Math.ceil(units / 67) };
}
