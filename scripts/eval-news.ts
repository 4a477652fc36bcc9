// npm run eval:news [-- DIR] [--paraphrase] [--json] [--verbose]
// Real news pages saved whole (../shared/eval/news/): every page is added to the bundled corpus, the
// questions and the off-topic negatives (with --paraphrase: the paraphrased questions and the near-miss
// negatives) are asked against the combined corpus, and the quotes are scored as its README says: top-1 /
// top-3 (an answer string in the first / first three of the best passages), negatives refused, and every
// quote from an answered question checked to come from its page's article body (the text Readability
// itself extracts, so page furniture around the article never counts as an answer). Also: of the quotes
// after the first that an answer shows (those judged to bear on the question), how many hold an answer or
// come from the answer's own page and name the question's subject (its names or its two rarest words).
import { asShown, contextPassages } from '../src/answer/compose.js';
import fs from 'node:fs';
import path from 'node:path';
import { parseHTML } from 'linkedom';
import { Readability } from '@mozilla/readability';
import { loadConfig } from '../src/config.js';
import { ask } from '../src/engine.js';
import { updateIndex } from '../src/index/update.js';
import { fold } from '../src/text/normalize.js';
import { analyze } from '../src/text/terms.js';
import { questionNames } from '../src/search/names.js';
import { bearsOn, containsAnswer, emptyStore, evalEmbedder, tempDir } from './lib/harness.js';

const args = process.argv.slice(2);
const dir = args.find((a) => !a.startsWith('--')) ?? path.resolve('../shared/eval/news');
const readJsonl = <T>(f: string): T[] => fs.readFileSync(f, 'utf8').split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l) as T);
const para = args.includes('--paraphrase');
const questions = readJsonl<{ q: string; a: string[]; doc: string }>(path.join(dir, para ? 'paraphrase-questions.jsonl' : 'questions.jsonl'));
const negatives = readJsonl<{ q: string }>(path.join(dir, para ? 'paraphrase-negatives.jsonl' : 'negatives.jsonl'));

const config = loadConfig();
const corpus = tempDir('verbatim-news-');
fs.cpSync(config.corpusDir, corpus, { recursive: true });
const pages = fs.readdirSync(path.join(dir, 'pages')).filter((f) => f.endsWith('.html'));
for (const p of pages) fs.copyFileSync(path.join(dir, 'pages', p), path.join(corpus, p));

// What each page's article body is, by Readability alone.
const letters = (s: string) => fold(s).replace(/[^\p{L}\p{N}]+/gu, '');
const bodies = new Map<string, string>();
for (const p of pages) {
  const { document } = parseHTML(fs.readFileSync(path.join(dir, 'pages', p), 'utf8'));
  bodies.set(p, letters(new Readability(document as unknown as Document).parse()?.textContent ?? ''));
}

const embedder = await evalEmbedder();
/** The question's subject: its names and its two words rarest among the pages. */
const subjectOf = (question: string) => [...questionNames(question).flatMap((n) => analyze(n)), ...rarestTerms(question)];
function rarestTerms(question: string): string[] {
  const df = (t: string) => pageTerms.filter((s) => s.has(t)).length;
  return [...new Set(analyze(question))].sort((x, y) => df(x) - df(y)).slice(0, 2);
}
const pageTerms = pages.map((p) => new Set(analyze(fs.readFileSync(path.join(dir, 'pages', p), 'utf8'))));
const store = await emptyStore();
const summary = await updateIndex({ store, corpusDir: corpus, maxFileBytes: config.maxFileBytes, embedder });
await store.refresh();
const engine = { config, embedder, store };

let top1 = 0;
let top3 = 0;
let furniture = 0;
let quotes = 0;
let abstained = 0;
const misses: string[] = [];
let followShown = 0;
let followBearing = 0;
let singleQuote = 0;
for (const q of questions) {
  const a = await ask(engine, q.q, { k: 3, all: true });
  const shown = await ask(engine, q.q, { k: 3 });
  if (shown.answered && shown.passages.length === 1) singleQuote++;
  for (const p of shown.passages.slice(1)) {
    followShown++;
    if (bearsOn(p, q.a, `${q.doc}.html`, subjectOf(q.q))) followBearing++;
  }
  // A quote as it is shown: the first with its context (search/window.ts).
  const texts = a.passages.map((p) => asShown(p).text);
  if (!a.answered) abstained++;
  const i = texts.findIndex((t) => containsAnswer(t, q.a));
  if (i === 0) top1++;
  if (i >= 0 && i < 3) top3++;
  for (const p of a.passages) {
    for (const text of [p.text, ...contextPassages(p).map((c) => c.text)]) {
      quotes++;
      if (bodies.has(p.file) && !bodies.get(p.file)!.includes(letters(text))) furniture++;
    }
  }
  if (i === 0 && !a.answered) misses.push(`not answered, though the first passage holds it (${a.message}): ${q.q} [${q.doc}]`);
  if (i !== 0) misses.push(`${i < 0 ? 'not in top 3' : `rank ${i + 1}`}${a.answered ? '' : ' (abstained)'}: ${q.q} [${q.doc}] → ${a.passages[0]?.file ?? '—'}: ${(texts[0] ?? '').slice(0, 120)}`);
}
let refused = 0;
const answeredNegatives: string[] = [];
for (const n of negatives) {
  const a = await ask(engine, n.q, { k: 3, all: true });
  if (!a.answered) refused++;
  else answeredNegatives.push(`${n.q} → ${a.passages[0].file}: ${a.passages[0].text.slice(0, 120)}`);
}
await store.close();
const result = {
  pages: pages.length,
  indexed: summary.files,
  questions: questions.length,
  top1: top1 / questions.length,
  top3: top3 / questions.length,
  abstainedOnAnswerable: abstained / questions.length,
  negatives: negatives.length,
  negativesRefused: refused,
  quotes,
  furnitureQuotes: furniture,
  followingQuotesShown: followShown,
  followingQuotesBearing: followShown ? followBearing / followShown : null,
  singleQuoteAnswers: singleQuote,
};
if (args.includes('--json')) console.log(JSON.stringify(result));
else {
  const f = (x: number) => x.toFixed(3);
  console.log(`${result.pages} pages + the bundled corpus (${result.indexed} articles indexed); ${result.questions} questions, ${result.negatives} negatives; model ${embedder.modelId}`);
  console.log(`top-1 ${f(result.top1)}  top-3 ${f(result.top3)}  abstained on ${abstained} answerable; negatives refused ${refused}/${negatives.length}; quotes not from an article body ${furniture}/${quotes}`);
  console.log(`quotes after the first shown: ${followShown} (${singleQuote} answers quote one passage), ${followShown ? ((followBearing / followShown) * 100).toFixed(0) : '—'}% bear on the question`);
  if (args.includes('--verbose')) {
    for (const m of misses) console.log(`  ${m}`);
    for (const m of answeredNegatives) console.log(`  answered negative: ${m}`);
  }
}
