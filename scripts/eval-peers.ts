// npm run eval:peers [-- --sets news,para,dev,squad,invented,inventedPara] [--json FILE] [--verbose]
// Verbatim side by side with what a user would assemble instead, on the same corpus and questions, in one
// run. Peers (scripts/python/peers.py): MiniLM cosine, BM25 (bm25s, English stop words) and their RRF
// (k = 60) over Verbatim's own passages; trafilatura + RecursiveCharacterTextSplitter(1000, 200) + MiniLM,
// and RRF of BM25 and MiniLM over those chunks. Verbatim: what it shows, and its first three (`--all`).
//
// Scored as a user reads: an answer string in the first result ("first"), and in what is shown (Verbatim)
// or in the first three results (peers) ("shown"), a quote counted as it is shown (the first with its
// context, search/window.ts); the mean characters read for each; and, for the
// questions no article answers, how many are refused at the same answered rate: each peer answers when its
// first score clears the threshold at which it answers as many of the answerable questions as Verbatim
// answers confidently (a tentative reply, "this may not answer your question", counts as not answered).
import fs from 'node:fs';
import path from 'node:path';
import { loadConfig } from '../src/config.js';
import { asShown } from '../src/answer/compose.js';
import { ask } from '../src/engine.js';
import { extractFile } from '../src/ingest/extract.js';
import { FORMATS } from '../src/ingest/read.js';
import { passageTokenBudget, updateIndex } from '../src/index/update.js';
import { inventCorpus } from './lib/invented.js';
import { readSquad } from './lib/squad.js';
import { containsAnswer, emptyStore, evalEmbedder, tempDir } from './lib/harness.js';
import { runPython } from './lib/python-tools.js';

const args = process.argv.slice(2);
const opt = (name: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : undefined;
};
const EVAL = path.resolve('../shared/eval');
const SETS = ['news', 'para', 'dev', 'squad', 'invented', 'inventedPara'] as const;
type SetName = (typeof SETS)[number];
const wanted = (opt('sets')?.split(',') ?? SETS) as SetName[];
const readJsonl = <T>(f: string): T[] => fs.readFileSync(f, 'utf8').split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l) as T);
const log = (s: string) => process.stderr.write(s + '\n');

interface Question {
  q: string;
  a: string[];
}
interface EvalSet {
  name: SetName;
  label: string;
  /** Files of the corpus: name → bytes. */
  files: Map<string, Buffer>;
  questions: Question[];
  negatives: string[];
}

const config = loadConfig();
const bundled = () => new Map(fs.readdirSync(config.corpusDir).filter((f) => FORMATS[path.extname(f).toLowerCase()]).map((f) => [f, fs.readFileSync(path.join(config.corpusDir, f))]));
const withPages = () => {
  const files = bundled();
  const dir = path.join(EVAL, 'news/pages');
  for (const p of fs.readdirSync(dir)) files.set(p, fs.readFileSync(path.join(dir, p)));
  return files;
};

function buildSets(): EvalSet[] {
  const sets: EvalSet[] = [];
  const news = (file: string) => readJsonl<{ q: string; a: string[] }>(path.join(EVAL, 'news', file));
  const negatives = (file: string) => readJsonl<{ q: string }>(file).map((n) => n.q);
  if (wanted.includes('news')) sets.push({ name: 'news', label: 'real news pages (news/)', files: withPages(), questions: news('questions.jsonl'), negatives: negatives(path.join(EVAL, 'news/negatives.jsonl')) });
  if (wanted.includes('para')) sets.push({ name: 'para', label: 'reworded questions (news/ paraphrase)', files: withPages(), questions: news('paraphrase-questions.jsonl'), negatives: negatives(path.join(EVAL, 'news/paraphrase-negatives.jsonl')) });
  if (wanted.includes('dev')) sets.push({ name: 'dev', label: 'bundled articles (dev questions)', files: bundled(), questions: readJsonl<Question>(path.join(EVAL, 'dev-questions.jsonl')), negatives: negatives(path.join(EVAL, 'dev-negatives.jsonl')) });
  if (wanted.includes('squad')) {
    const { articles, questions } = readSquad(path.join(EVAL, 'squad/dev-v2.0-3articles.json'));
    const files = new Map(articles.map((a) => [a.file, Buffer.from(`${a.title}\n\n${a.passages.map((p) => p.text).join('\n\n')}\n`)]));
    sets.push({ name: 'squad', label: 'SQuAD 2.0, 3 articles', files, questions: questions.filter((q) => !q.impossible).map((q) => ({ q: q.question, a: q.answers })), negatives: [] });
  }
  for (const [name, kind] of [['invented', 'plain'], ['inventedPara', 'paraphrase']] as const) {
    if (!wanted.includes(name)) continue;
    const c = inventCorpus(1001, 40);
    const files = withPages();
    for (const a of c.articles) files.set(a.file, Buffer.from(a.text));
    sets.push({
      name,
      label: `invented articles (seed 1001), ${kind === 'plain' ? "the articles' own words" : 'reworded'}`,
      files,
      questions: c.questions.filter((q) => q.kind === kind),
      negatives: c.nearMisses.map((n) => n.q),
    });
  }
  return sets;
}

interface Row {
  /** Answer in the first result / in what is shown (or the first three). */
  first: number;
  shown: number;
  firstChars: number;
  shownChars: number;
  /** Negatives refused at the same answered rate. */
  refused: number | null;
}

interface SetResult {
  name: SetName;
  label: string;
  questions: number;
  negatives: number;
  answeredRate: number;
  /** Answerable questions given a tentative reply, and refused outright. */
  tentative: number;
  refusedAnswerable: number;
  rows: Record<string, Row>;
  misses: string[];
}

const PEERS = { dense: 'MiniLM cosine, Verbatim passages', bm25: 'BM25 (bm25s), Verbatim passages', rrf: 'RRF of the two', chunks: 'trafilatura + 1000/200 chunks + MiniLM', chunksRrf: 'RRF of BM25 and MiniLM on chunks' } as const;
type PeerName = keyof typeof PEERS;
interface PeerResult {
  top: { text: string; file: string }[];
  score: number;
}

const embedder = await evalEmbedder();
const results: SetResult[] = [];
for (const set of buildSets()) {
  log(`— ${set.label}: ${set.questions.length} questions, ${set.negatives.length} negatives, ${set.files.size} files`);
  const corpus = tempDir('verbatim-peers-');
  for (const [f, bytes] of set.files) fs.writeFileSync(path.join(corpus, f), bytes);
  const store = await emptyStore();
  await updateIndex({ store, corpusDir: corpus, maxFileBytes: config.maxFileBytes, embedder });
  await store.refresh();
  const engine = { config, embedder, store };

  // ——— Verbatim ———
  const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : 0);
  const hits = { first: 0, shown: 0, all3: 0 };
  const chars = { first: [] as number[], shown: [] as number[], all3: [] as number[] };
  let confident = 0;
  let tentative = 0;
  let refusedAnswerable = 0;
  const misses: string[] = [];
  for (const q of set.questions) {
    const shown = await ask(engine, q.q, { k: 3 });
    const all = await ask(engine, q.q, { k: 3, all: true });
    if (shown.answered) confident++;
    else if (shown.tentative) tentative++;
    else refusedAnswerable++;
    const texts = shown.passages.map((p) => asShown(p).text);
    const at = texts.findIndex((t) => containsAnswer(t, q.a));
    if (at === 0) hits.first++;
    if (at >= 0) hits.shown++;
    const allAt = all.passages.findIndex((p) => containsAnswer(asShown(p).text, q.a));
    if (allAt >= 0) hits.all3++;
    chars.first.push(texts[0]?.length ?? 0);
    chars.shown.push(texts.reduce((n, t) => n + t.length, 0));
    chars.all3.push(all.passages.reduce((n, p) => n + asShown(p).text.length, 0));
    if (at !== 0) misses.push(`${!shown.passages.length ? 'refused' : at < 0 ? (allAt >= 0 ? `hidden (rank ${allAt + 1} with --all)` : 'not in the first three') : `shown at ${at + 1}`}: ${q.q} → ${texts[0]?.slice(0, 100) ?? '—'}`);
  }
  let negRefused = 0;
  for (const n of set.negatives) if (!(await ask(engine, n, { k: 3 })).answered) negRefused++;
  const answeredRate = set.questions.length ? confident / set.questions.length : 0;
  const rows: Record<string, Row> = {
    'Verbatim, as shown': { first: hits.first, shown: hits.shown, firstChars: mean(chars.first), shownChars: mean(chars.shown), refused: set.negatives.length ? negRefused : null },
    'Verbatim, --all': { first: hits.first, shown: hits.all3, firstChars: mean(chars.first), shownChars: mean(chars.all3), refused: null },
  };

  // ——— the peers, in Python ———
  const passages: { id: number; text: string; file: string }[] = [];
  const files: { file: string; format: string; path: string }[] = [];
  const budget = passageTokenBudget(embedder);
  for (const [f, bytes] of set.files) {
    files.push({ file: f, format: FORMATS[path.extname(f).toLowerCase()], path: path.join(corpus, f) });
    const x = extractFile(f, bytes, budget);
    if ('error' in x) continue;
    for (const p of x.passages) passages.push({ id: passages.length, text: p.text, file: f });
  }
  const job = path.join(corpus, '..', `${path.basename(corpus)}-job.json`);
  const answer = `${job}.out`;
  fs.writeFileSync(job, JSON.stringify({ passages, files, questions: [...set.questions, ...set.negatives.map((q) => ({ q, a: [] }))] }));
  runPython("peers.py", [job, answer]);
  const peer = JSON.parse(fs.readFileSync(answer, 'utf8')) as { chunks: number; results: Record<PeerName, PeerResult>[] };
  fs.rmSync(job, { force: true });
  fs.rmSync(answer, { force: true });
  const nq = set.questions.length;
  for (const name of Object.keys(PEERS) as PeerName[]) {
    const answerable = peer.results.slice(0, nq).map((r) => r[name]);
    const negative = peer.results.slice(nq).map((r) => r[name]);
    let first = 0;
    let shown = 0;
    set.questions.forEach((q, i) => {
      const at = answerable[i].top.findIndex((t) => containsAnswer(t.text, q.a));
      if (at === 0) first++;
      if (at >= 0) shown++;
    });
    // The threshold at which this peer answers as many answerable questions as Verbatim does.
    const scores = answerable.map((r) => r.score).sort((a, b) => b - a);
    const keep = Math.round(answeredRate * nq);
    const threshold = keep <= 0 ? Infinity : scores[Math.min(keep, nq) - 1];
    rows[`${name}: ${PEERS[name]}`] = {
      first,
      shown,
      firstChars: mean(answerable.map((r) => r.top[0]?.text.length ?? 0)),
      shownChars: mean(answerable.map((r) => r.top.reduce((n, t) => n + t.text.length, 0))),
      refused: set.negatives.length ? negative.filter((r) => r.score < threshold).length : null,
    };
  }
  await store.close();
  results.push({ name: set.name, label: set.label, questions: nq, negatives: set.negatives.length, answeredRate, tentative, refusedAnswerable, rows, misses });
}
await embedder.close();

const f = (x: number, n: number) => (n ? (x / n).toFixed(2) : '—');
for (const r of results) {
  console.log(`\n### ${r.label}: ${r.questions} questions, ${r.negatives} negatives (Verbatim answers ${(r.answeredRate * 100).toFixed(0)}% confidently, ${r.tentative} tentatively, refuses ${r.refusedAnswerable} of the answerable; model ${embedder.modelId})\n`);
  console.log('| | first | shown / first three | chars, first | chars, shown / three | negatives refused at the same answered rate |');
  console.log('| --- | --- | --- | --- | --- | --- |');
  for (const [name, row] of Object.entries(r.rows)) {
    console.log(`| ${name} | ${f(row.first, r.questions)} | ${f(row.shown, r.questions)} | ${Math.round(row.firstChars)} | ${Math.round(row.shownChars)} | ${row.refused === null ? '—' : `${row.refused} of ${r.negatives}`} |`);
  }
  if (args.includes('--verbose')) for (const m of r.misses) console.log(`  ${m}`);
}
const out = opt('json');
if (out) fs.writeFileSync(out, JSON.stringify({ model: embedder.modelId, results }, null, 1));
process.exit(0);
