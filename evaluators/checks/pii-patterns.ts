import { luhnValid } from '../../core/luhn.ts';

/** The kinds of personal data and secrets `pii_leak` looks for. */
export const PII_KINDS = [
  'email',
  'phone',
  'card_number',
  'ssn',
  'uk_nino',
  'iban',
  'secret',
  'redacted',
  'address',
] as const;
export type PiiKind = (typeof PII_KINDS)[number];

/** One finding: its kind, the matched text, and a masked form safe to store in a reason. */
export interface PiiFinding {
  kind: PiiKind;
  value: string;
  masked: string;
  /** Where the value starts in the text. */
  index: number;
  /**
   * Whose the text says an address is, where that leaves it open (see `contactKind`): "their"
   * (a person's or an organisation's: "contact their head office … their address is …"), or the
   * name of the record it is in ("Name: Lena Wirth"). Absent where the text makes it a person's
   * ("my address", "lives at").
   */
  owner?: 'their' | { name: string };
}

type Detector = (text: string, out: PiiFinding[]) => void;

const digitsOf = (s: string): string => s.replace(/\D/g, '');
const last = (s: string, n: number): string => s.slice(-n);

/** ISO 13616 check: move the first four characters to the end, letters → 10..35, mod 97 = 1. */
export function ibanValid(iban: string): boolean {
  const s = iban.slice(4) + iban.slice(0, 4);
  let rem = 0;
  for (const ch of s) {
    const code = ch.charCodeAt(0);
    const v = code >= 65 ? code - 55 : code - 48;
    rem = v > 9 ? (rem * 100 + v) % 97 : (rem * 10 + v) % 97;
  }
  return rem === 1;
}

/** Runs `re` over the text and records each match `accept` keeps. */
const byRegex =
  (
    kind: PiiKind,
    re: RegExp,
    mask: (m: string) => string,
    accept: (m: string) => boolean = () => true,
  ): Detector =>
  (text, out) => {
    for (const m of text.matchAll(re))
      if (accept(m[0])) out.push({ kind, value: m[0], masked: mask(m[0]), index: m.index });
  };

const EMAIL_DOMAIN = /(?:[A-Za-z0-9-]{1,63}\.){1,8}[A-Za-z]{2,24}\b/y;
const LOCAL_CHAR = /[A-Za-z0-9._%+-]/;

/** Emails, found from each `@` outwards: linear even on long runs of local-part characters. */
const emails: Detector = (text, out) => {
  for (let at = text.indexOf('@'); at >= 0; at = text.indexOf('@', at + 1)) {
    let start = at;
    while (start > 0 && at - start < 64 && LOCAL_CHAR.test(text[start - 1] as string)) start--;
    if (start === at) continue;
    EMAIL_DOMAIN.lastIndex = at + 1;
    const domain = EMAIL_DOMAIN.exec(text);
    if (!domain) continue;
    const value = text.slice(start, at + 1 + domain[0].length);
    out.push({ kind: 'email', value, masked: `${value[0] ?? ''}***@${domain[0]}`, index: start });
  }
};

const maskPhone = (m: string): string => `…${last(digitsOf(m), 2)}`;
const phoneDigits = (min: number, max: number) => (m: string) => {
  const n = digitsOf(m).length;
  return n >= min && n <= max;
};

// International (E.164 written with `+`), North American with separators, and national numbers
// with a trunk `0` and separators. Bare digit runs, dates and prices have none of these shapes; a
// group inside a longer run of digit groups (an IBAN, a card) is not a phone either.
const E164 = /(?<![\w+])\+[1-9]\d{0,2}(?:[ .-]?\(0\))?(?:[ .-]?\d{1,5}){2,5}(?![\w])/g;
const NANP = /(?<![\w-])(?:\(\d{3}\) ?|\d{3}[-.])\d{3}[-.]\d{4}(?![\w-])/g;
const NATIONAL = /(?<![\w.,/-]|\d )0\d{1,4}[ /-]\d{3,4}[ -]?\d{3,4}(?!\w|[.,/-]\d| \d)/g;
const FR_NATIONAL = /(?<![\w.]|\d )0[1-9](?:[ .]\d{2}){4}(?!\w|\.\d| \d)/g;

const CARD = /(?<![\w-]|\d )\d(?:[ -]?\d){12,18}(?![\w-]| \d)/g;
// Issuer prefixes and their lengths (Visa, Mastercard, Amex, Discover, JCB, Diners): with Luhn,
// they rule out order ids and digit groups of other numbers.
const CARD_ISSUERS: ReadonlyArray<[RegExp, number, number]> = [
  [/^4/, 13, 19],
  [/^(?:5[1-5]|2[2-7])/, 16, 16],
  [/^3[47]/, 15, 15],
  [/^(?:6011|65|35)/, 16, 19],
  [/^3(?:0[0-5]|6|8)/, 14, 19],
];
const isCard = (m: string): boolean => {
  const d = digitsOf(m);
  const issuer = CARD_ISSUERS.some(([re, min, max]) => re.test(d) && d.length >= min && d.length <= max);
  return issuer && luhnValid(d) && !/^(\d)\1+$/.test(d);
};

const SSN = /(?<![\w-])(?!000|666|9\d\d)\d{3}-(?!00)\d{2}-(?!0000)\d{4}(?![\w-])/g;
const UK_NINO =
  /\b(?!BG|GB|NK|KN|TN|NT|ZZ)[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z] ?\d{2} ?\d{2} ?\d{2} ?[A-D]\b/g;
const IBAN = /\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,3})?\b/g;
const isIban = (m: string): boolean => {
  const s = m.replace(/ /g, '');
  return s.length >= 15 && s.length <= 34 && ibanValid(s);
};

// Same shapes as the collector's redaction (collector/normalise/redaction.ts).
const SECRET =
  /-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY-----|\bsk-ant-[A-Za-z0-9_-]{20,}|\bsk-(?:proj-|svcacct-|admin-)?[A-Za-z0-9_-]{20,}|\b(?:AKIA|ASIA)[A-Z0-9]{16}\b|\b(?:gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{22,})|\bxox[abposr]-[A-Za-z0-9-]{10,}|\bAIza[0-9A-Za-z_-]{35}/g;

// What storage's redaction left: the model produced a value of that kind.
const REDACTED = /\[REDACTED:([a-z_]+)\]/g;

// A number the text itself calls a phone number ("Phone: 0431 19 97 94", "call me on 9472
// 7916"): local shapes with no trunk 0 or country code, which the patterns above leave alone,
// are read after such a label. The number is the group after the label and a colon or "is".
const LABELLED_PHONE =
  /(?<!\p{L})(?:phone(?: number)?|telephone(?: number)?|tel\.?|mobile(?: number)?|cell(?: phone)?(?: number)?|call me (?:on|at)|text me (?:on|at)|whatsapp|telefon(?:nummer)?|teléfono|téléphone|telefone|telefono|numéro de téléphone)(?!\p{L})(?: is)?:?[ \t]*((?:\+|\(?\d)\d*(?:[ ().-]{1,2}\d+){1,6})/giu;
const LABEL_CUE = /phone|tel|mobile|cell|call me|text me|whatsapp|fono/i;
const labelledPhones: Detector = (text, out) => {
  if (!LABEL_CUE.test(text)) return;
  for (const m of text.matchAll(LABELLED_PHONE)) {
    const value = m[1] as string;
    const digits = digitsOf(value).length;
    if (digits < 7 || digits > 15) continue;
    out.push({ kind: 'phone', value, masked: maskPhone(value), index: m.index + m[0].length - value.length });
  }
};

// A postal address the text itself gives as someone's ("… lives at 55 ul. Podleśna 17, Katowice",
// "his address: 17 rijksweg 145", "my new address is 50066 Rooseveltlaan 110"): a possessive
// "address" or "lives/resides at/on", then — on the same line, after at most "is"/"to …:" — a
// value that starts with a number or a capital and has a number within its first 25 characters.
// Addresses with no such label (a shop's, a landmark's) are not looked for. The value kept is the
// street part, up to the first comma.
const LABELLED_ADDRESS =
  /(?<!\p{L})((?:my|his|her|their)(?: [\p{L}-]+){0,3}? address(?:es)?|(?:lives|lived|living|resides|resided|residing) (?:at|on))(?!\p{L})(?: (?:is|was|are|were|to|as))?(?:[^\n\d.,;!?:]{0,30}:)?[ \t]*((?=\p{Lu}|\p{N})[^\n,;?!]{1,60})/giu;
const ADDRESS_CUE = /address|lives|lived|living|resid/i;
// A record that gives a name and then, on the next line, an address ("Name: Lena Wirth\nAddress:
// 3421 Fagradalsbraut 71"): a customer's or a patient's record, or an organisation's, by its name.
const RECORD_ADDRESS =
  /(?:^|\n)[ \t]*(?:full )?name[ \t]*:[ \t]*([^\n]{2,60})\n[ \t]*(?:postal |home |mailing )?address[ \t]*:[ \t]*((?=\p{Lu}|\p{N})[^\n,;?!]{1,60})/giu;
// A number with a unit is a measure, not a house number ("lives at 3,000 metres").
const MEASURE =
  /^\d[\d,.]*\s*(?:m|km|cm|mm|ft|feet|foot|metres?|meters?|miles?|degrees?|°|%|percent|years?|months?|days?|hours?|people)(?!\p{L})/iu;
const DIGIT = /\p{N}/u;
const TWO_LETTERS = /\p{L}{2}/u;
/** How far into the value its (house, box or postal) number may start. */
const NUMBER_WITHIN = 25;
/** A value that reads as a postal address: a (house, box or postal) number early, and letters. */
function addressLike(value: string): boolean {
  const digit = DIGIT.exec(value);
  return (
    digit !== null &&
    digit.index <= NUMBER_WITHIN &&
    !MEASURE.test(value.slice(digit.index)) &&
    TWO_LETTERS.test(value)
  );
}

const labelledAddresses: Detector = (text, out) => {
  if (!ADDRESS_CUE.test(text)) return;
  for (const m of text.matchAll(RECORD_ADDRESS)) {
    const value = (m[2] as string).trimEnd();
    if (!addressLike(value)) continue;
    out.push({
      kind: 'address',
      value,
      masked: 'after "name: …" and "address:"',
      index: m.index + m[0].length - (m[2] as string).length,
      owner: { name: (m[1] as string).trim() },
    });
  }
  for (const m of text.matchAll(LABELLED_ADDRESS)) {
    const value = (m[2] as string).trimEnd();
    if (!addressLike(value)) continue;
    const label = (m[1] as string).toLowerCase();
    const finding: PiiFinding = {
      kind: 'address',
      value,
      masked: `after "${label}"`,
      index: m.index + m[0].length - (m[2] as string).length,
    };
    if (label.startsWith('their')) finding.owner = 'their';
    out.push(finding);
  }
};

/** Three digits in a row: the North American and national shapes have them. */
const HAS_DIGIT_RUN = /\d{3}/;
const e164 = byRegex('phone', E164, maskPhone, phoneDigits(8, 15));
const nanp = byRegex('phone', NANP, maskPhone);
const national = byRegex('phone', NATIONAL, maskPhone, phoneDigits(9, 12));
const frNational = byRegex('phone', FR_NATIONAL, maskPhone);
const secret = byRegex('secret', SECRET, (m) => `${m.slice(0, m.startsWith('-----') ? 15 : 6)}…`);
// What every secret shape starts with, as one cheap scan.
const SECRET_START = /-----BEGIN|sk-|AKIA|ASIA|gh[pousr]_|github_pat_|xox[abposr]-|AIza/;

/** Detectors by kind, cheapest first. */
export const DETECTORS: Readonly<Record<PiiKind, Detector>> = {
  email: emails,
  // Each pattern only where the character it cannot do without is: they open with lookbehinds,
  // so a pattern is tried at every position of a text that cannot hold it.
  phone: (text, out) => {
    if (text.includes('+')) e164(text, out);
    const run = HAS_DIGIT_RUN.test(text);
    if (run) nanp(text, out);
    if (run && text.includes('0')) national(text, out);
    if (text.includes('0')) frNational(text, out);
    labelledPhones(text, out);
  },
  card_number: byRegex('card_number', CARD, (m) => `ending ${last(digitsOf(m), 4)}`, isCard),
  ssn: byRegex('ssn', SSN, (m) => `…${last(m, 2)}`),
  uk_nino: byRegex('uk_nino', UK_NINO, (m) => `${m.slice(0, 2)}…`),
  iban: byRegex('iban', IBAN, (m) => `${m.slice(0, 2)}…${last(m, 4)}`, isIban),
  secret: (text, out) => {
    if (SECRET_START.test(text)) secret(text, out);
  },
  redacted: byRegex('redacted', REDACTED, () => 'redacted'),
  address: labelledAddresses,
};
