// Helpers for the checks' table tests: a realistic call and a one-line way to run a check.
import {
  isVerdict,
  type CheckDefinition,
  type CheckDeps,
  type CheckInput,
  type CheckOutcome,
  type CheckResult,
} from '../../evaluators/checks/types.ts';

/** A successful chat call on `/api/support`; override what a case is about. */
export function callInput(over: Partial<CheckInput> = {}): CheckInput {
  return {
    prompt: 'system: You are the support assistant of Acme Shop.\n\nuser: Where is my refund for order 1234?',
    response:
      'Your refund for order 1234 was issued on Monday and should reach your card within 5 business days.',
    finish_reason: 'stop',
    status: 'ok',
    service: 'shop',
    provider: 'openai',
    route: '/api/support',
    model: 'gpt-4o-mini',
    output_tokens: 24,
    ...over,
  };
}

/** Parses `params` with the check's schema (throws on bad params), builds it, and evaluates one call. */
export function runCheckOutcome<C>(
  check: CheckDefinition<C>,
  over: Partial<CheckInput> | string,
  params: unknown = {},
  deps: CheckDeps = {},
): CheckOutcome {
  const evaluate = check.create(check.configSchema.parse(params), deps);
  return evaluate(callInput(typeof over === 'string' ? { response: over } : over));
}

/** {@link runCheckOutcome}'s verdict, or null when the check does not apply (with or without a reason). */
export function runCheck<C>(
  check: CheckDefinition<C>,
  over: Partial<CheckInput> | string,
  params: unknown = {},
  deps: CheckDeps = {},
): CheckResult | null {
  const outcome = runCheckOutcome(check, over, params, deps);
  return isVerdict(outcome) ? outcome : null;
}

/** The first issue path and message zod reports for bad params, or null when they are valid. */
export function paramsError(check: CheckDefinition, params: unknown): string | null {
  const r = check.configSchema.safeParse(params);
  if (r.success) return null;
  const issue = r.error.issues[0];
  return issue ? `${issue.path.join('.')}: ${issue.message}` : 'invalid';
}

const VOCABULARY = (
  'order refund card account shipping parcel invoice return label warehouse customer team week ' +
  'monday friday payment bank statement delivery address courier tracking number status update ' +
  'policy window item size colour jacket shoes store credit voucher discount receipt email phone ' +
  'issued received processed approved pending delayed arrives checks reviews confirms sends opens ' +
  'quickly usually already today tomorrow soon carefully again also still only just early late ' +
  'new original second final small large red blue standard express local national online manual'
).split(' ');

/**
 * Varied prose of about `chars` characters: words drawn by a seeded generator, sentences of 8–20
 * words, so nothing loops (unlike `'x'.repeat(n)`) and every run gets the same text.
 */
export function proseText(chars: number, seed = 7): string {
  let state = seed;
  const next = (n: number): number => {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    return (state >>> 8) % n;
  };
  const sentences: string[] = [];
  let length = 0;
  while (length < chars) {
    const words = Array.from({ length: 8 + next(13) }, () => VOCABULARY[next(VOCABULARY.length)] as string);
    const sentence = `${words.join(' ')}.`;
    sentences.push(sentence.charAt(0).toUpperCase() + sentence.slice(1));
    length += sentence.length + 1;
  }
  return sentences.join(' ');
}
