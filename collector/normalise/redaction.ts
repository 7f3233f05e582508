import type { RedactionConfig } from '../config.ts';
import { luhnValid } from '../../core/luhn.ts';

type Rule = (text: string) => string;

const tag = (kind: string): string => `[REDACTED:${kind}]`;

/**
 * Secret patterns, most specific first (an Anthropic key also looks like an OpenAI one). Every
 * quantifier is bounded or over a class the next token cannot match, so the engine never
 * backtracks more than linearly on 16 KB texts. No capturing groups: {@link oneScan} numbers them.
 */
const SECRET_PATTERNS: ReadonlyArray<[string, RegExp]> = [
  // Unterminated blocks (cut by truncation upstream) are redacted to the end of the text.
  [
    'private_key',
    /-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY-----(?:[\s\S]*?-----END (?:[A-Z0-9]+ )*PRIVATE KEY-----|[\s\S]*$)/,
  ],
  ['anthropic_key', /\bsk-ant-[A-Za-z0-9_-]{20,}/],
  ['openai_key', /\bsk-(?:proj-|svcacct-|admin-)?[A-Za-z0-9_-]{20,}/],
  ['aws_access_key', /\b(?:AKIA|ASIA)[A-Z0-9]{16}\b/],
  ['github_token', /\b(?:gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{22,})/],
  ['slack_token', /\bxox[abposr]-[A-Za-z0-9-]{10,}/],
  ['google_api_key', /\bAIza[0-9A-Za-z_-]{35}/],
  ['bearer_token', /\bBearer[ \t]+[A-Za-z0-9._~+/-]{16,}=*/],
];

/** The domain after an `@`: 1–8 dot-terminated labels, then a TLD (sticky: matched in place). */
const EMAIL_DOMAIN = /(?:[A-Za-z0-9-]{1,63}\.){1,8}[A-Za-z]{2,24}\b/y;
const LOCAL_CHAR = /[A-Za-z0-9._%+-]/;

/**
 * Emails, found from each `@` outwards rather than by a regex scanning every position for a
 * local part: linear in the text even when it is 16 KB of local-part characters.
 */
function redactEmails(text: string): string {
  let out = '';
  let last = 0;
  for (let at = text.indexOf('@'); at >= 0; at = text.indexOf('@', at + 1)) {
    let start = at;
    while (start > last && at - start < 64 && LOCAL_CHAR.test(text[start - 1] as string)) start--;
    if (start === at) continue;
    EMAIL_DOMAIN.lastIndex = at + 1;
    const domain = EMAIL_DOMAIN.exec(text);
    if (!domain) continue;
    out += `${text.slice(last, start)}${tag('email')}`;
    last = at + 1 + domain[0].length;
    at = last - 1;
  }
  return last === 0 ? text : out + text.slice(last);
}

/** 13–19 digits, optionally grouped by single spaces or dashes; confirmed by Luhn. */
const CARD = /\b\d(?:[ -]?\d){12,18}\b/;

/**
 * Every pattern in one regex, one pass over the text (leftmost match wins; at the same position
 * the earlier pattern does): a prompt is scanned once instead of once per secret kind.
 * `keep(kind, match)` may veto a match (the card numbers that fail Luhn).
 */
function oneScan(
  patterns: ReadonlyArray<[string, RegExp]>,
  keep: (kind: string, m: string) => boolean,
): Rule {
  const re = new RegExp(patterns.map(([, p]) => `(${p.source})`).join('|'), 'g');
  return (text) =>
    text.replace(re, (match: string, ...groups: unknown[]) => {
      const i = groups.findIndex((g, j) => j < patterns.length && g !== undefined);
      const kind = patterns[i]?.[0] ?? 'secret';
      return keep(kind, match) ? match : tag(kind);
    });
}

function buildRules(cfg: RedactionConfig): Rule[] {
  const rules: Rule[] = [];
  // Emails first: secrets and card numbers never contain '@', so the order loses nothing.
  if (cfg.emails) rules.push(redactEmails);
  const patterns: Array<[string, RegExp]> = [];
  if (cfg.api_keys) patterns.push(...SECRET_PATTERNS);
  if (cfg.card_numbers) patterns.push(['card_number', CARD]);
  if (patterns.length)
    rules.push(oneScan(patterns, (kind, m) => kind === 'card_number' && !luhnValid(m.replace(/[ -]/g, ''))));
  for (const c of cfg.custom) {
    const re = new RegExp(c.pattern, 'g');
    rules.push((text) => text.replace(re, () => tag(c.name)));
  }
  return rules;
}

/**
 * A redactor from `RedactionConfig`: emails, card numbers passing Luhn, API keys and secrets
 * (OpenAI `sk-…`, Anthropic `sk-ant-…`, AWS `AKIA…`, GitHub `ghp_…`, Slack `xox…`, Google
 * `AIza…`, `Bearer <token>`, private key blocks) and custom patterns, each replaced with
 * `[REDACTED:<kind>]`. Disabled → identity.
 */
export function createRedactor(cfg: RedactionConfig): (text: string) => string {
  if (!cfg.enabled) return (text) => text;
  const rules = buildRules(cfg);
  return (text) => {
    let out = text;
    for (const rule of rules) out = rule(out);
    return out;
  };
}

/**
 * Truncates to `maxChars` code points without splitting a surrogate pair, appending
 * `…[truncated N chars]` where N counts the code points dropped.
 */
export function truncateText(text: string, maxChars: number): string {
  // UTF-16 length bounds the code-point count from above: short texts need no walk.
  if (text.length <= maxChars) return text;
  let points = 0;
  let cut = -1;
  for (let i = 0; i < text.length; i++) {
    if (points === maxChars) cut = i;
    const c = text.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) {
      const n = text.charCodeAt(i + 1);
      if (n >= 0xdc00 && n <= 0xdfff) i++;
    }
    points++;
    if (cut >= 0) break;
  }
  if (cut < 0) return text;
  let rest = 0;
  for (const _ of text.slice(cut)) rest++;
  return `${text.slice(0, cut)}…[truncated ${rest} chars]`;
}
