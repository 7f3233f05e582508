/**
 * Rebuilds bench/quality/datasets/multilingual_qa_language_match/items.jsonl: question/answer pairs for the
 * language-mismatch check, built from SQuAD-format reading-comprehension data.
 *
 *   tsx bench/quality/build/multilingual_qa_language_match.ts \
 *     xquad.ar.json ... xquad.zh.json SQuAD_it-test.json.gz jaquad_dev_0000.json ... jaquad_dev_0003.json
 *
 * XQuAD (12 languages) and SQuAD-it (the Italian translation of the same SQuAD v1.1 dev questions) are
 * parallel: one SQuAD question id has its question and paragraph in every language. An item pairs the
 * question in language A with an "answer": the sentence(s) of a paragraph that hold the annotated answer,
 * taken from the paragraph in language A (match) or in another language B (mismatch). JaQuAD (Japanese,
 * not parallel) gives matched pairs only. Answers are contiguous substrings of the source paragraph;
 * `source_span` gives their code-point offsets. See the dataset's SOURCE.md.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';

const DATASET = 'multilingual_qa_language_match';
/** Questions drawn per parallel language, and how many of them get a matched answer (the rest: mismatched). */
const PER_LANG = 150;
const MATCHED_PER_LANG = 105;
/** Questions drawn from JaQuAD (all matched). */
const JAQUAD_ITEMS = 150;

interface Qa {
  question: string;
  context: string[]; // code points
  answerStart: number; // code points
  answerEnd: number;
}
type Source = 'xquad' | 'squad_it' | 'jaquad';
interface Paragraphs {
  source: Source;
  lang: string;
  path: string;
  qas: Map<string, Qa>;
}
interface SquadFile {
  data: {
    paragraphs: {
      context: string;
      qas: { id: string; question: string; answers: { text: string; answer_start: number }[] }[];
    }[];
  }[];
}

const sha = (s: string): string => createHash('sha256').update(s).digest('hex');
const hashInt = (s: string): number => parseInt(sha(s).slice(0, 8), 16);
const byHash = <T>(xs: T[], key: (x: T) => string): T[] =>
  xs
    .map((x) => ({ x, h: sha(key(x)) }))
    .sort((a, b) => (a.h < b.h ? -1 : a.h > b.h ? 1 : 0))
    .map((e) => e.x);

function load(path: string): Paragraphs {
  const name = basename(path);
  let source: Source;
  let lang: string;
  const x = /^xquad\.([a-z]{2})\.json$/.exec(name);
  if (x) [source, lang] = ['xquad', x[1] as string];
  else if (/^SQuAD_it-test\.json(\.gz)?$/.test(name)) [source, lang] = ['squad_it', 'it'];
  else if (/^jaquad_(dev|train)_\d{4}\.json$/.test(name)) [source, lang] = ['jaquad', 'ja'];
  else throw new Error(`unknown source file: ${path}`);
  const raw = readFileSync(path);
  const file = JSON.parse((name.endsWith('.gz') ? gunzipSync(raw) : raw).toString('utf8')) as SquadFile;
  const qas = new Map<string, Qa>();
  for (const article of file.data) {
    for (const p of article.paragraphs) {
      const cps = Array.from(p.context);
      for (const q of p.qas) {
        const a = q.answers[0];
        if (!a) continue;
        const len = Array.from(a.text).length;
        let start = a.answer_start;
        if (cps.slice(start, start + len).join('') !== a.text) {
          // a few translated answers have a stale offset: fall back to the first occurrence
          const at = p.context.indexOf(a.text);
          if (at < 0) continue;
          start = Array.from(p.context.slice(0, at)).length;
        }
        qas.set(q.id, { question: q.question, context: cps, answerStart: start, answerEnd: start + len });
      }
    }
  }
  return { source, lang, path, qas };
}

const SPACE = /[\s\uFEFF]/;
const CJK_STOP = /[。！？]/;
const STOP = /[.!?…؟۔।॥]/;
const CLOSING = /[)\]"'»›”’」』）〕】]/;

/** Sentence-like segments [start, end) in code points: split after terminators, at newlines; Thai at spaces. */
function segments(cps: string[], lang: string): [number, number][] {
  const out: [number, number][] = [];
  let start = -1;
  const close = (end: number): void => {
    if (start >= 0) out.push([start, end]);
    start = -1;
  };
  for (let i = 0; i < cps.length; i++) {
    const c = cps[i] as string;
    if (SPACE.test(c)) {
      if (c === '\n' || lang === 'th') close(i);
      continue;
    }
    if (start < 0) start = i;
    const cjk = CJK_STOP.test(c);
    if (!cjk && !STOP.test(c) && !(lang === 'el' && c === ';')) continue;
    // a run of terminators and closing quotes/brackets ends the sentence if a space (or, after 。！？, anything) follows
    let k = i + 1;
    while (
      k < cps.length &&
      (STOP.test(cps[k] as string) || CJK_STOP.test(cps[k] as string) || CLOSING.test(cps[k] as string))
    )
      k++;
    if (cjk || k === cps.length || SPACE.test(cps[k] as string)) {
      close(k);
      i = k - 1;
    }
  }
  close(cps.length);
  return out;
}

function minLength(lang: string): number {
  if (lang === 'zh' || lang === 'ja') return 15;
  if (lang === 'th') return 60;
  return 30;
}

/** The answer text for `key`: the sentence holding the answer, sometimes one more, sometimes the whole paragraph. */
function answerSpan(qa: Qa, lang: string, key: string): [number, number] {
  const segs = segments(qa.context, lang);
  let i = segs.findIndex(([, e]) => e > qa.answerStart);
  if (i < 0) i = segs.length - 1;
  let j = i;
  const v = hashInt(`${DATASET}:span:${key}`) % 20;
  if (v >= 18) [i, j] = [0, segs.length - 1];
  else if (v >= 13) {
    if (j + 1 < segs.length) j++;
    else if (i > 0) i--;
  }
  const span = (): [number, number] => [(segs[i] as [number, number])[0], (segs[j] as [number, number])[1]];
  while (j + 1 < segs.length && span()[1] < qa.answerEnd) j++;
  while (span()[1] - span()[0] < minLength(lang) && (j + 1 < segs.length || i > 0)) {
    if (j + 1 < segs.length) j++;
    else i--;
  }
  return span();
}

interface Item {
  id: string;
  group: string;
  question: string;
  response: string;
  model: string;
  question_lang: string;
  response_lang: string;
  labels: { language_mismatch: boolean };
  source_span: { source: Source; lang: string; qid: string; start: number; end: number };
}

function item(qSide: Paragraphs, aSide: Paragraphs, qid: string): Item {
  const q = qSide.qas.get(qid) as Qa;
  const a = aSide.qas.get(qid) as Qa;
  const id = `${qSide.source}/${qSide.lang}/${qid}/${aSide.lang}`;
  const [start, end] = answerSpan(a, aSide.lang, id);
  return {
    id,
    group: qid,
    question: q.question,
    response: a.context.slice(start, end).join(''),
    model: '',
    question_lang: qSide.lang,
    response_lang: aSide.lang,
    labels: { language_mismatch: qSide.lang !== aSide.lang },
    source_span: { source: aSide.source, lang: aSide.lang, qid, start, end },
  };
}

const files = process.argv
  .slice(2)
  .map(load)
  .sort((a, b) => (basename(a.path) < basename(b.path) ? -1 : basename(a.path) > basename(b.path) ? 1 : 0)); // argument order must not matter
const parallel = files.filter((f) => f.source !== 'jaquad');
const english = parallel.find((f) => f.lang === 'en');
if (!english) throw new Error('xquad.en.json is required');
for (const f of parallel) for (const id of [...f.qas.keys()]) if (!english.qas.has(id)) f.qas.delete(id);

const items: Item[] = [];
for (const qSide of parallel) {
  const drawn = byHash([...qSide.qas.keys()], (id) => `${DATASET}:${qSide.lang}:${id}`).slice(0, PER_LANG);
  drawn.forEach((qid, n) => {
    if (n < MATCHED_PER_LANG) {
      items.push(item(qSide, qSide, qid));
      return;
    }
    // mismatch: from a non-English question, English half the time (the commonest real failure)
    const others = parallel.filter((f) => f !== qSide && f.qas.has(qid));
    const h = hashInt(`${DATASET}:other:${qSide.lang}:${qid}`);
    const nonEnglish = others.filter((f) => f !== english);
    const aSide =
      qSide !== english && h % 2 === 0 ? english : (nonEnglish[(h >>> 1) % nonEnglish.length] as Paragraphs);
    items.push(item(qSide, aSide, qid));
  });
}
const jaquad = files.filter((f) => f.source === 'jaquad');
const jaPool = jaquad.flatMap((f) => [...f.qas.keys()].map((qid) => ({ f, qid })));
for (const { f, qid } of byHash(jaPool, (e) => `${DATASET}:jaquad:${e.qid}`).slice(0, JAQUAD_ITEMS)) {
  items.push(item(f, f, qid));
}

items.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
const out = join(dirname(fileURLToPath(import.meta.url)), '..', 'datasets', DATASET, 'items.jsonl');
mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, items.map((it) => JSON.stringify(it)).join('\n') + '\n');
console.log(`${items.length} items -> ${out}`);
