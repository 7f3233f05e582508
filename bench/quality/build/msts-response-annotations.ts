// Rebuilds bench/quality/datasets/msts-response-annotations/items.jsonl from MSTS's
// `data/response_annotations/*.csv` (paul-rottger/msts-multimodal-safety at e9ae69e8f1ab…, CC-BY-4.0):
// answers of 10 vision-language models to unsafe prompts in 11 languages, each classified by human
// annotators into MSTS's response taxonomy.
//
//   npx tsx bench/quality/build/msts-response-annotations.ts <checkout>/data/response_annotations
//
// Deterministic: every file is read in full and checked against its sha256. Texts are copied
// unchanged. Only the two taxonomy classes that map onto this bench's refusal labels are kept
// (see SOURCE.md for why the others are not):
//   1.2 refusal only                           -> "full"
//   2.1 explicit encouragement, 2.2 advice, 2.Z -> "none" (the answer does what was asked)
// The English files' label is the expert's final one (`final_taxonomy`, after two annotators); the
// other languages have one annotator (`annot1_label`). Two runner artefacts the source files as
// "refusal only" are dropped: they are not model text.
import { join } from 'node:path';
import { readCsvTable } from './csv.ts';
import { readVerified, writeItems } from './items-file.ts';

const DATASET_ID = 'msts-response-annotations';
/** The files at commit e9ae69e8f1ab87ab2bb2ed7c51e992e0430f12e3: language, sha256, data rows. */
const SOURCES: ReadonlyArray<{ file: string; lang: string; sha256: string; rows: number }> = [
  {
    file: 'english_textonly',
    lang: 'en',
    sha256: 'f1a6208d0ff42678dc0533493abeff851247c647f6d995936c6af52545fd1e08',
    rows: 800,
  },
  {
    file: 'english_multimodal',
    lang: 'en',
    sha256: '6eb0e85ac2b2e8a5647bbf676460a00a1f82d5a214b886554486ebe28b4c9696',
    rows: 4000,
  },
  {
    file: 'arabic_multimodal',
    lang: 'ar',
    sha256: 'd27fd1e5b48bc51609790d0bb01396e57aa49fea7a9b8a9b8d22e3e078c82b85',
    rows: 400,
  },
  {
    file: 'chinese_multimodal',
    lang: 'zh',
    sha256: '831c77a22d78965949d1fe10ee68698ca4d3487f4fc0cd4ca4c248d1e933ada7',
    rows: 400,
  },
  {
    file: 'farsi_multimodal',
    lang: 'fa',
    sha256: '2aa70c1fb4c180b3daefd9bc7965a4c405f3743c12d456190a7a9a70f6170be2',
    rows: 400,
  },
  {
    file: 'french_multimodal',
    lang: 'fr',
    sha256: '05d4e96c1ccd86c98cc377266dc8e2863974025366428c63e971939fcd84afbc',
    rows: 400,
  },
  {
    file: 'german_multimodal',
    lang: 'de',
    sha256: '7f1f3da5148407c2e24fac04286f6c1146686015b6abf0b6994984249bce32ef',
    rows: 400,
  },
  {
    file: 'hindi_multimodal',
    lang: 'hi',
    sha256: 'd0fb0c2068763604f434920242066e12cf2a216d48a380e656c63eef1dc19b50',
    rows: 400,
  },
  {
    file: 'italian_multimodal',
    lang: 'it',
    sha256: '4bf6446d7eaad096cebc59e8912f859889a67327d7bf7928251a910ec672fd9b',
    rows: 400,
  },
  {
    file: 'korean_multimodal',
    lang: 'ko',
    sha256: '4390e1e2e35b6bab5568a8891ed13c60e5f0c414f54f3ffb44636db9be4989e3',
    rows: 400,
  },
  {
    file: 'russian_multimodal',
    lang: 'ru',
    sha256: '761f00f1881f989abe0a55c68b7f3cb4c2699b5b0ae6b93bba4d53d8bc2d5c68',
    rows: 400,
  },
  {
    file: 'spanish_multimodal',
    lang: 'es',
    sha256: '26ccab2b37bd0f4f8eb5a484fe73d853afe04f052375ebe6922a32a68a63981d',
    rows: 400,
  },
];

/** Taxonomy class (the code before " - ") -> refusal label; absent: not kept. */
const CLASS_TO_REFUSAL: Readonly<Record<string, 'full' | 'none'>> = {
  '1.2': 'full',
  '2.1': 'none',
  '2.2': 'none',
  '2.Z': 'none',
};
/** Answers that are the experiment runner's, not a model's (filed as 1.2 in the source). */
const ARTEFACTS = new Set(['FinishReason.SAFETY', 'API RetryError occurred.']);

function main(): void {
  const dir = process.argv[2];
  if (dir === undefined) {
    console.error('usage: tsx bench/quality/build/msts-response-annotations.ts <data/response_annotations>');
    process.exit(2);
  }
  const lines: string[] = [];
  const counts = new Map<string, number>();
  const count = (key: string): void => void counts.set(key, (counts.get(key) ?? 0) + 1);
  for (const source of SOURCES) {
    const path = join(dir, `${source.file}.csv`);
    const { rows, col } = readCsvTable(readVerified(path, source.sha256).toString('utf8'), path);
    if (rows.length !== source.rows) throw new Error(`${path}: ${rows.length} rows, expected ${source.rows}`);
    const english = source.lang === 'en';
    const at = {
      caseId: col('case_id'),
      promptType: col('prompt_type'),
      prompt: col('prompt_text'),
      model: col('model'),
      response: col('response'),
      label: col(english ? 'final_taxonomy' : 'annot1_label'),
    };
    rows.forEach((row, index) => {
      const field = (i: number): string => row[i] as string;
      const taxonomy = field(at.label);
      const klass = taxonomy.split(' - ')[0] ?? '';
      const refusal = CLASS_TO_REFUSAL[klass];
      const response = field(at.response);
      if (refusal === undefined) return count(`${source.lang} ${klass || '(no label)'} (not kept)`);
      if (ARTEFACTS.has(response.trim()) || response.trim() === '')
        return count(`${source.lang} ${klass} runner artefact (dropped)`);
      count(`${source.lang} ${klass} -> ${refusal}`);
      lines.push(
        JSON.stringify({
          id: `${source.file}/${index}`,
          // Every answer to one test case (its 10 models, its 11 languages) lands in one split.
          group: field(at.caseId),
          question: field(at.prompt),
          response,
          model: field(at.model),
          question_lang: source.lang,
          msts_prompt_type: field(at.promptType),
          msts_taxonomy: taxonomy,
          labels: { refusal },
        }),
      );
    });
  }
  writeItems(DATASET_ID, lines, counts);
}

main();
