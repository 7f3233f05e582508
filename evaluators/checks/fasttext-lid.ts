/**
 * Inference of a quantized fastText classifier (a `.ftz` file, format version 12) in plain
 * TypeScript, for lid.176: the model `fasttext.wasm.js` ships, read from that package.
 *
 * Why not the package's own WebAssembly `predict`: every call crosses into wasm, copies the text,
 * parses it with C++ streams and returns an Emscripten vector; on the short texts `language_match`
 * reads that costs 25–45 µs, the largest share of all cheap checks. The arithmetic itself is small
 * (a few hundred 16-dimensional rows summed, a walk down a Huffman tree), and a word's rows are
 * the same every time it is seen, so here each word's sum is computed once and cached.
 *
 * The result equals the wasm's: same labels in the same order, probabilities within float32
 * rounding (`language-id.test.ts` compares the two on real texts of every language in
 * bench/quality).
 *
 * The model, as fastText (facebookresearch/fastText, MIT) defines it:
 * - a text is split at whitespace into words, and ends with the end-of-sentence word `</s>`
 *   (at the first one: a `</s>` written in the text ends it there);
 * - a word contributes its own row when it is in the dictionary, and one row per character
 *   2- to 4-gram of `<word>` (UTF-8 characters; FNV-1a over bytes read as signed chars, modulo
 *   the bucket count, kept only when the pruned model still has that bucket);
 * - the hidden vector is the mean of all rows; rows are product-quantized (8 sub-vectors of 2,
 *   256 centroids each) and scaled by a quantized norm;
 * - labels are leaves of a Huffman tree over their training counts; the k best are found by a
 *   depth-first walk, each inner node a logistic over the hidden vector.
 */
import { readFileSync } from 'node:fs';
import type { LanguageGuess, LanguageIdentifier } from './types.ts';

const MAGIC = 793712314;
const VERSION = 12;
const LOSS_HS = 1;
const EOS = '</s>';
const LABEL_PREFIX = '__label__';
const KSUB = 256;
/** Distinct words whose row sums are kept; past it the cache starts over. */
const CACHE_WORDS = 50_000;

/** A product quantizer: `nsubq` sub-vectors of `dsub` (the last `lastdsub`), 256 centroids each. */
interface Quantizer {
  dim: number;
  nsubq: number;
  dsub: number;
  lastdsub: number;
  centroids: Float32Array;
}

/** A loaded model: dictionary, quantized input rows, output rows and the label tree. */
export interface FastTextModel {
  dim: number;
  minn: number;
  maxn: number;
  bucket: number;
  nwords: number;
  /** Word (or label) → dictionary id. */
  ids: Map<string, number>;
  /** Labels without the `__label__` prefix, by label index. */
  labels: string[];
  /** Kept n-gram bucket → its row after the words (absent: pruned). */
  pruned: Map<number, number>;
  codes: Uint8Array;
  pq: Quantizer;
  normCodes: Uint8Array | null;
  normPq: Quantizer | null;
  /** Output rows (`dim` floats each): one per inner tree node. */
  output: Float32Array;
  left: Int32Array;
  right: Int32Array;
}

class Reader {
  private at = 0;
  constructor(private readonly buf: Buffer) {}
  i32(): number {
    const v = this.buf.readInt32LE(this.at);
    this.at += 4;
    return v;
  }
  i64(): number {
    const v = Number(this.buf.readBigInt64LE(this.at));
    this.at += 8;
    return v;
  }
  f64(): number {
    const v = this.buf.readDoubleLE(this.at);
    this.at += 8;
    return v;
  }
  u8(): number {
    return this.buf[this.at++] as number;
  }
  cstring(): string {
    const end = this.buf.indexOf(0, this.at);
    if (end < 0) throw new Error('unterminated string');
    const s = this.buf.toString('utf8', this.at, end);
    this.at = end + 1;
    return s;
  }
  bytes(n: number): Uint8Array {
    const out = new Uint8Array(this.buf.subarray(this.at, this.at + n));
    this.at += n;
    return out;
  }
  floats(n: number): Float32Array {
    const out = new Float32Array(n);
    for (let i = 0; i < n; i++) out[i] = this.buf.readFloatLE(this.at + 4 * i);
    this.at += 4 * n;
    return out;
  }
  get offset(): number {
    return this.at;
  }
}

function readQuantizer(r: Reader): Quantizer {
  const dim = r.i32();
  const nsubq = r.i32();
  const dsub = r.i32();
  const lastdsub = r.i32();
  return { dim, nsubq, dsub, lastdsub, centroids: r.floats(dim * KSUB) };
}

/** Reads a quantized supervised model with hierarchical softmax (what lid.176.ftz is). */
export function loadFastTextModel(file: string): FastTextModel {
  const buf = readFileSync(file);
  const r = new Reader(buf);
  if (r.i32() !== MAGIC) throw new Error(`${file}: not a fastText model`);
  const version = r.i32();
  if (version !== VERSION) throw new Error(`${file}: fastText format ${version}, expected ${VERSION}`);
  const dim = r.i32();
  r.i32(); // ws
  r.i32(); // epoch
  r.i32(); // minCount
  r.i32(); // neg
  const wordNgrams = r.i32();
  const loss = r.i32();
  r.i32(); // model
  const bucket = r.i32();
  const minn = r.i32();
  const maxn = r.i32();
  r.i32(); // lrUpdateRate
  r.f64(); // t
  if (loss !== LOSS_HS || wordNgrams !== 1)
    throw new Error(`${file}: only hierarchical softmax over single words is supported`);

  const size = r.i32();
  const nwords = r.i32();
  const nlabels = r.i32();
  r.i64(); // ntokens
  const pruneSize = r.i64();
  const ids = new Map<string, number>();
  const labels: string[] = [];
  const counts: number[] = [];
  for (let i = 0; i < size; i++) {
    const word = r.cstring();
    const count = r.i64();
    const type = r.u8();
    ids.set(word, i);
    if (type === 1) {
      labels.push(word.startsWith(LABEL_PREFIX) ? word.slice(LABEL_PREFIX.length) : word);
      counts.push(count);
    }
  }
  if (labels.length !== nlabels) throw new Error(`${file}: ${labels.length} labels, header says ${nlabels}`);
  const pruned = new Map<number, number>();
  for (let i = 0; i < pruneSize; i++) {
    const from = r.i32();
    pruned.set(from, r.i32());
  }

  if (r.u8() !== 1) throw new Error(`${file}: the input matrix is not quantized (not an .ftz)`);
  const qnorm = r.u8() === 1;
  const rows = r.i64();
  const cols = r.i64();
  if (cols !== dim) throw new Error(`${file}: input rows of ${cols}, dimension ${dim}`);
  const codes = r.bytes(r.i32());
  const pq = readQuantizer(r);
  let normCodes: Uint8Array | null = null;
  let normPq: Quantizer | null = null;
  if (qnorm) {
    normCodes = r.bytes(rows);
    normPq = readQuantizer(r);
  }
  if (r.u8() !== 0) throw new Error(`${file}: quantized output rows are not supported`);
  const outRows = r.i64();
  const outCols = r.i64();
  const output = r.floats(outRows * outCols);
  if (r.offset !== buf.length) throw new Error(`${file}: ${buf.length - r.offset} bytes after the model`);

  // The Huffman tree: leaves are the labels (sorted by falling count), inner nodes follow.
  const n = nlabels;
  const left = new Int32Array(2 * n - 1).fill(-1);
  const right = new Int32Array(2 * n - 1).fill(-1);
  const weight = new Float64Array(2 * n - 1).fill(1e15);
  for (let i = 0; i < n; i++) weight[i] = counts[i] as number;
  let leaf = n - 1;
  let node = n;
  for (let i = n; i < 2 * n - 1; i++) {
    const pick: number[] = [];
    for (let j = 0; j < 2; j++) {
      if (leaf >= 0 && (weight[leaf] as number) < (weight[node] as number)) pick.push(leaf--);
      else pick.push(node++);
    }
    left[i] = pick[0] as number;
    right[i] = pick[1] as number;
    weight[i] = (weight[pick[0] as number] as number) + (weight[pick[1] as number] as number);
  }
  return {
    dim,
    minn,
    maxn,
    bucket,
    nwords,
    ids,
    labels,
    pruned,
    codes,
    pq,
    normCodes,
    normPq,
    output,
    left,
    right,
  };
}

/** Adds input row `row`, scaled by its norm, to `x`. */
function addRow(m: FastTextModel, row: number, x: Float64Array): void {
  const { nsubq, dsub, lastdsub, centroids } = m.pq;
  const norm = m.normCodes && m.normPq ? (m.normPq.centroids[m.normCodes[row] as number] as number) : 1;
  const code = row * nsubq;
  for (let s = 0; s < nsubq; s++) {
    const c = m.codes[code + s] as number;
    const last = s === nsubq - 1;
    const d = last ? lastdsub : dsub;
    const base = last ? s * KSUB * dsub + c * lastdsub : (s * KSUB + c) * dsub;
    for (let j = 0; j < d; j++)
      x[s * dsub + j] = (x[s * dsub + j] as number) + norm * (centroids[base + j] as number);
  }
}

const encoder = new TextEncoder();
let utf8 = new Uint8Array(256);

/** The rows of one word: its own (in the dictionary) and those of its kept character n-grams. */
function wordRows(m: FastTextModel, word: string, out: number[]): void {
  const id = m.ids.get(word);
  if (id !== undefined && id >= m.nwords) return; // a label given as text
  if (id === undefined && word.startsWith(LABEL_PREFIX)) return;
  if (id !== undefined) out.push(id);
  if (word === EOS) return;
  const wrapped = `<${word}>`;
  if (utf8.length < wrapped.length * 3) utf8 = new Uint8Array(wrapped.length * 3);
  const len = encoder.encodeInto(wrapped, utf8).written;
  for (let i = 0; i < len; i++) {
    if (((utf8[i] as number) & 0xc0) === 0x80) continue;
    let h = 0x811c9dc5;
    for (let j = i, n = 1; j < len && n <= m.maxn; n++) {
      // One character: its lead byte and continuation bytes, each read as a signed char.
      do {
        h = Math.imul(h ^ (((utf8[j] as number) << 24) >> 24), 0x01000193);
        j++;
      } while (j < len && ((utf8[j] as number) & 0xc0) === 0x80);
      if (n >= m.minn) {
        const kept = m.pruned.get((h >>> 0) % m.bucket);
        if (kept !== undefined) out.push(m.nwords + kept);
      }
    }
  }
}

interface WordSum {
  sum: Float64Array;
  rows: number;
}

/** The state of one identification's walk down the label tree. */
interface Walk {
  m: FastTextModel;
  hidden: Float64Array;
  k: number;
  /** How many of the k best leaves are found so far, best first, in `scores` and `leaves`. */
  found: number;
  scores: Float64Array;
  leaves: Int32Array;
}

/** log(1e-5): the walk's floor at threshold 0, as fastText's `std_log(0)`. */
const FLOOR = Math.log(1e-5);

function walk(w: Walk, node: number, score: number): void {
  if (score < FLOOR) return;
  if (w.found === w.k && score < (w.scores[w.k - 1] as number)) return;
  const m = w.m;
  if (m.left[node] === -1) {
    // A leaf (inner nodes have both children): insert it in order, dropping the worst past k.
    let at = Math.min(w.found, w.k - 1);
    while (at > 0 && (w.scores[at - 1] as number) < score) {
      w.scores[at] = w.scores[at - 1] as number;
      w.leaves[at] = w.leaves[at - 1] as number;
      at--;
    }
    w.scores[at] = score;
    w.leaves[at] = node;
    if (w.found < w.k) w.found++;
    return;
  }
  let d = 0;
  const row = (node - m.labels.length) * m.dim;
  const hidden = w.hidden;
  for (let j = 0; j < m.dim; j++) d += (m.output[row + j] as number) * (hidden[j] as number);
  const f = 1 / (1 + Math.exp(-d));
  // The likelier side first: the best leaves are found early, and the rest of the tree is cut.
  // (fastText walks left first; the k best are the same either way.)
  const l = score + Math.log(1 - f + 1e-5);
  const r = score + Math.log(f + 1e-5);
  if (f > 0.5) {
    walk(w, m.right[node] as number, r);
    walk(w, m.left[node] as number, l);
  } else {
    walk(w, m.left[node] as number, l);
    walk(w, m.right[node] as number, r);
  }
}

const WHITESPACE = /[ \t\n\v\f\r\0]+/;

/** A synchronous identifier over a loaded model; words' row sums are cached. */
export function fastTextIdentifier(m: FastTextModel): LanguageIdentifier {
  const cache = new Map<string, WordSum>();
  const rows: number[] = [];
  const hidden = new Float64Array(m.dim);
  function sumOf(word: string): WordSum {
    let hit = cache.get(word);
    if (hit) return hit;
    rows.length = 0;
    wordRows(m, word, rows);
    const sum = new Float64Array(m.dim);
    for (const row of rows) addRow(m, row, sum);
    hit = { sum, rows: rows.length };
    if (cache.size >= CACHE_WORDS) cache.clear();
    cache.set(word, hit);
    return hit;
  }
  const eos = sumOf(EOS);
  return {
    identify(text, k) {
      hidden.set(eos.sum);
      let count = eos.rows;
      for (const word of text.split(WHITESPACE)) {
        if (!word) continue;
        // fastText's line ends at its first end-of-sentence word, also one written in the text
        // ("…thank you.</s> More text": the rest is not read); its row is the one counted above.
        if (word === EOS) break;
        const s = sumOf(word);
        for (let j = 0; j < m.dim; j++) hidden[j] = (hidden[j] as number) + (s.sum[j] as number);
        count += s.rows;
      }
      if (count === 0) return [];
      for (let j = 0; j < m.dim; j++) hidden[j] = (hidden[j] as number) / count;
      if (k <= 0) return [];
      const w: Walk = { m, hidden, k, found: 0, scores: new Float64Array(k), leaves: new Int32Array(k) };
      walk(w, 2 * m.labels.length - 2, 0);
      const out: LanguageGuess[] = [];
      for (let i = 0; i < w.found; i++)
        out.push({
          lang: m.labels[w.leaves[i] as number] as string,
          probability: Math.exp(w.scores[i] as number),
        });
      return out;
    },
  };
}
