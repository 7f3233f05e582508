import { z } from 'zod';
import { fail, instructionText, pass, quote, splitStorageMarker, withoutCode } from './text.ts';
import type { CheckDefinition } from './types.ts';

export const templateLeakConfigSchema = z
  .object({
    /** Look for unfilled placeholders (`{{name}}`, `{customer_name}`, `${var}`) outside code. Default true. */
    placeholders: z.boolean().default(true),
    /**
     * Look for chat-template control tokens (`<|im_start|>`, `[INST]`, `<<SYS>>`, …), an
     * end-of-sequence `</s>`, and turns of the model's own template written into the answer
     * (`### Human:`, `USER:` … `ASSISTANT:`: the model goes on with the conversation by itself).
     * Default true.
     */
    control_tokens: z.boolean().default(true),
    /**
     * The answer repeating this many consecutive words of the system/developer message is an
     * echoed system prompt; 0 turns the comparison off. Default 25.
     */
    echo_words: z.number().int().min(0).default(25),
    /** Only the first this many characters of the system message are compared (its instructions). Default 8000. */
    max_system_chars: z.number().int().min(100).default(8000),
    /** Only the first this many characters of the answer are compared: an echo comes early. Default 4000. */
    max_answer_chars: z.number().int().min(100).default(4000),
  })
  .strict();

export type TemplateLeakConfig = z.output<typeof templateLeakConfigSchema>;

// Common template variable names without an underscore; other names need snake_case or CAPS so
// set notation ({x}), LaTeX (\frac{a}{b}) and prose in braces do not match.
const COMMON_VARS =
  'name|user|username|customer|question|context|input|query|topic|language|product|company|text|document|history|answer|date|email';
const PLACEHOLDER = new RegExp(
  [
    /\{\{\s*[#/^]?\s*[A-Za-z_][\w.\- ]{0,60}?\s*\}\}/.source,
    /\{%-?\s*(?:if|for|endif|endfor|block|set)\b[^%]{0,80}%\}/.source,
    /\$\{[A-Za-z_][\w.]{0,60}\}/.source,
    `(?<![\\\\\\w$^_{])\\{(?:[A-Za-z][A-Za-z0-9]*(?:_[A-Za-z0-9]+)+|[A-Z][A-Z0-9]{2,}|${COMMON_VARS})\\}(?!\\})`,
  ].join('|'),
);
const CONTROL_TOKEN = /<\|[A-Za-z_][\w.-]{0,30}\|>|\[\/?INST\]|<<\/?SYS>>|<\/?(?:start_of_turn|end_of_turn)>/;
// The end-of-sequence token of Llama-family tokenizers. `<s>…</s>` is also HTML's strikethrough:
// a `</s>` with an `<s>` before it on its line is read as that.
const END_OF_SEQUENCE = '</s>';
/**
 * A line that opens a turn of a prompt template: Alpaca's and Guanaco's `### Instruction:`,
 * `### Response:`, `### Human:`, `### Assistant:`; Anthropic's legacy `Human:`; Vicuna's
 * `USER:` and `ASSISTANT:` (and airoboros' `USER [ctrl-d on empty line to end]:`).
 */
const TURN_LINE =
  /^(?:#{2,3} ?(?:Human|User|Assistant|Instruction|Response)|Human|USER|ASSISTANT)(?: \[[^\]\n]{0,60}\])?[ \t]*:/gm;
/** What every {@link TURN_LINE} has: most answers are passed without removing their code. */
const TURN_HINT = /##|Human|USER|ASSISTANT/;
/** Vicuna's role names are also a script's characters ("USER:" in a play): only both together are its template. */
const VICUNA_ROLE = /^(?:USER|ASSISTANT)\b/;
const WORD = /[\p{L}\p{N}]+/gu;
const MAX_ANCHOR_HITS = 8;

/** The words of an instruction text and where each 3-word sequence starts in it. */
interface Anchored {
  words: readonly string[];
  anchors: Map<string, number[]>;
}

function anchor(source: readonly string[]): Anchored {
  const anchors = new Map<string, number[]>();
  for (let j = 0; j + 3 <= source.length; j++) {
    const key = `${source[j]} ${source[j + 1]} ${source[j + 2]}`;
    const list = anchors.get(key);
    if (!list) anchors.set(key, [j]);
    else if (list.length < MAX_ANCHOR_HITS) list.push(j);
  }
  return { words: source, anchors };
}

// A route sends the same system prompt with every call: its words and anchors are built once.
const ANCHOR_CACHE_SIZE = 64;
const anchorCache = new Map<string, Anchored>();

function anchoredSystem(system: string): Anchored {
  let a = anchorCache.get(system);
  if (a) return a;
  a = anchor(system.toLowerCase().match(WORD) ?? []);
  if (anchorCache.size >= ANCHOR_CACHE_SIZE) anchorCache.delete(anchorCache.keys().next().value as string);
  anchorCache.set(system, a);
  return a;
}

/** Longest run of consecutive words the answer shares verbatim with the instructions. */
export function longestSharedRun(
  answer: readonly string[],
  source: readonly string[] | Anchored,
  minRun: number,
): number {
  const { words, anchors } = 'anchors' in source ? source : anchor(source);
  let best = 0;
  for (let i = 0; i + 3 <= answer.length && best < minRun; i++) {
    const hits = anchors.get(`${answer[i]} ${answer[i + 1]} ${answer[i + 2]}`);
    if (!hits) continue;
    for (const j of hits) {
      let k = 3;
      while (i + k < answer.length && j + k < words.length && answer[i + k] === words[j + k]) k++;
      best = Math.max(best, k);
    }
  }
  return best;
}

/**
 * A chat-template token in the answer, an unpaired end-of-sequence `</s>`, or a turn of the
 * model's template that the prompt does not show itself (a user who pastes a `### Human:`
 * transcript gets it back). Code is not read for turns: `prose` gives the answer without it.
 */
function controlToken(text: string, prompt: string, prose: () => string): string | null {
  const token = CONTROL_TOKEN.exec(text);
  if (token) return `chat-template token ${quote(token[0], 40)}`;
  for (let at = text.indexOf(END_OF_SEQUENCE); at >= 0; at = text.indexOf(END_OF_SEQUENCE, at + 1)) {
    const lineStart = text.lastIndexOf('\n', at) + 1;
    if (!text.slice(lineStart, at).includes('<s>')) return `end-of-sequence token "${END_OF_SEQUENCE}"`;
  }
  if (!TURN_HINT.test(text)) return null;
  let vicuna: string | null = null;
  for (const m of prose().matchAll(TURN_LINE)) {
    const marker = m[0].replace(/[ \t]*:$/, '');
    if (prompt.includes(marker)) continue;
    const role = VICUNA_ROLE.exec(marker)?.[0];
    if (!role) return `a turn of the prompt template ${quote(`${marker}:`, 40)}`;
    if (vicuna && vicuna !== role) return `turns of the prompt template "USER:" and "ASSISTANT:"`;
    vicuna = role;
  }
  return null;
}

/** Prompt machinery in the answer: unfilled placeholders, chat-template tokens, an echoed system prompt. */
export const templateLeak: CheckDefinition<TemplateLeakConfig> = {
  id: 'template_leak',
  version: '2',
  description:
    'The answer shows prompt machinery: unfilled {{placeholders}}, <|im_start|>-style tokens, a turn of its own template (### Human:), or the system prompt.',
  configSchema: templateLeakConfigSchema,
  requiresParams: false,
  create(config) {
    return (input) => {
      if (input.status === 'error') return null;
      const { text } = splitStorageMarker(input.response);
      if (text.trim() === '') return null;
      // The answer without its code, read by the turn and placeholder rules: made once, when needed.
      let withoutItsCode: string | undefined;
      const prose = (): string => (withoutItsCode ??= withoutCode(text));
      if (config.control_tokens) {
        const leak = controlToken(text, input.prompt, prose);
        if (leak) return fail(`${leak} in the answer`);
      }
      if (config.placeholders) {
        const placeholder = PLACEHOLDER.exec(prose());
        if (placeholder) return fail(`unfilled placeholder ${quote(placeholder[0], 60)}`);
      }
      if (config.echo_words > 0) {
        const system = instructionText(input.prompt).slice(0, config.max_system_chars);
        const anchored = system ? anchoredSystem(system) : null;
        const answerWords =
          anchored && anchored.words.length >= config.echo_words
            ? text.slice(0, config.max_answer_chars).toLowerCase().match(WORD)
            : null;
        if (answerWords && answerWords.length >= config.echo_words) {
          const run = longestSharedRun(answerWords, anchored as Anchored, config.echo_words);
          if (run >= config.echo_words)
            return fail(`answer repeats ${run}+ consecutive words of the system prompt`);
        }
      }
      return pass('no template leak');
    };
  },
};
