// Shared by `npm run eval`, `npm run eval:squad` and `npm run bench`: build a store from articles in a
// temporary folder (or at STORE_URL), and rank a question three ways (BM25 alone, vectors alone, the
// product's fusion).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../src/config.js';
import { openEmbedder } from '../../src/engine.js';
import type { Embedder } from '../../src/embed/model.js';
import type { Article } from '../../src/ingest/types.js';
import { settingsFor, toNewArticle } from '../../src/index/update.js';
import { keywordSearch } from '../../src/search/keyword.js';
import { search, type SearchOptions } from '../../src/search/search.js';
import { openStore } from '../../src/store/open.js';
import { SHARED, type LibraryKey, type Scope, type Store } from '../../src/store/types.js';
import { analyze } from '../../src/text/terms.js';
import { fold } from '../../src/text/normalize.js';

export async function evalEmbedder(): Promise<Embedder> {
  return openEmbedder(loadConfig(), (m) => process.stderr.write(m + '\n'));
}

const temps: string[] = [];
export function tempDir(prefix: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  temps.push(dir);
  return dir;
}
process.on('exit', () => {
  for (const d of temps) fs.rmSync(d, { recursive: true, force: true });
});

/**
 * A temporary corpus folder: the bundled corpus and the saved news pages (as distractors), and `files`
 * beside them.
 */
export function corpusWith(prefix: string, files: readonly { file: string; text: string }[]): string {
  const corpus = tempDir(prefix);
  fs.cpSync(loadConfig().corpusDir, corpus, { recursive: true });
  const pages = path.resolve('../shared/eval/news/pages');
  if (fs.existsSync(pages)) for (const p of fs.readdirSync(pages)) fs.copyFileSync(path.join(pages, p), path.join(corpus, p));
  for (const a of files) fs.writeFileSync(path.join(corpus, a.file), a.text);
  return corpus;
}

/** An empty store: the embedded one in a temporary folder, or PostgreSQL when `url` is given. */
export async function emptyStore(url?: string): Promise<Store> {
  return openStore({ embeddingsDir: tempDir('verbatim-eval-'), storeUrl: url });
}

/** Commits articles (already split into passages) to a store, embedding each passage once. */
export async function addArticles(store: Store, articles: Article[], embedder: Embedder, library: LibraryKey = SHARED): Promise<void> {
  const made = articles.map((a) => toNewArticle(a, library, { hash: a.file, size: 0, mtimeMs: 0 }));
  const texts = new Map<string, string>();
  for (const a of made) for (const p of a.passages) texts.set(p.hash, p.searchText);
  const cached = await store.cachedVectors(embedder.modelId, [...texts.keys()]);
  const todo = [...texts].filter(([h]) => !cached.has(h));
  const vectors = await embedder.embedPassages(todo.map(([, t]) => t));
  await store.cacheVectors(embedder.modelId, new Map(todo.map(([h], i) => [h, vectors[i]])));
  const settings = (await store.settings()) ? undefined : settingsFor(embedder);
  await store.commit({ settings, libraries: [{ key: library }], addArticles: made });
  await store.refresh();
}

export interface Rankings {
  /** Passage ids, best first. */
  bm25: number[];
  dense: number[];
  fused: number[];
  /** Reciprocal rank fusion (k=60, equal weights): measured for comparison, not used by the product. */
  rrf: number[];
  answered: boolean;
  coverage: number;
  cosine: number;
}

export async function rankThreeWays(store: Store, embedder: Embedder, question: string, k = 10, opts: SearchOptions = {}, scope: Scope = [SHARED]): Promise<Rankings> {
  const r = await search(store, embedder, scope, question, k, opts);
  const deep = 50;
  const vector = await embedder.embedQuery(question);
  const kw = (await keywordSearch(store, scope, analyze(question), deep)).hits.map((h) => h.id);
  const near = (await store.nearest(scope, vector, deep)).map((h) => h.id);
  const rrfScore = new Map<number, number>();
  for (const leg of [kw, near]) leg.forEach((id, i) => rrfScore.set(id, (rrfScore.get(id) ?? 0) + 1 / (60 + i + 1)));
  const rrf = [...rrfScore.entries()].sort((a, b) => b[1] - a[1]).slice(0, k).map(([id]) => id);
  return {
    bm25: kw.slice(0, k),
    dense: near.slice(0, k),
    fused: r.selected.map((f) => f.id), // as quoted: duplicates collapsed, per-article cap
    rrf,
    answered: r.answered,
    coverage: r.evidence.coverage,
    cosine: r.evidence.cosine,
  };
}

const norm = (s: string) => fold(s).replace(/\s+/g, ' ');

export function containsAnswer(text: string, answers: string[]): boolean {
  const t = norm(text);
  return answers.some((a) => t.includes(norm(a)));
}

/**
 * How the evaluations judge a quote shown after the first: it bears on the question when it holds an
 * answer, or when it comes from the answer's own article (`answerFile`) and names the question's subject.
 */
export function bearsOn(quote: { text: string; file: string }, answers: string[], answerFile: string, subject: readonly string[]): boolean {
  if (containsAnswer(quote.text, answers)) return true;
  if (quote.file !== answerFile) return false;
  const terms = new Set(analyze(quote.text));
  return subject.some((t) => terms.has(t));
}

export interface Scores {
  top1: number;
  top3: number;
  mrr: number;
}

/** Averages over questions; `hit(id)` says whether a ranked passage counts as the answer. */
export function score(rankings: number[][], hits: ((id: number) => boolean)[]): Scores {
  let top1 = 0;
  let top3 = 0;
  let mrr = 0;
  rankings.forEach((ranking, i) => {
    const r = ranking.findIndex((l) => hits[i](l));
    if (r === 0) top1++;
    if (r >= 0 && r < 3) top3++;
    if (r >= 0) mrr += 1 / (r + 1);
  });
  const n = rankings.length || 1;
  const round = (x: number) => Math.round((x / n) * 1000) / 1000;
  return { top1: round(top1), top3: round(top3), mrr: round(mrr) };
}

/** The passages of every ranking, by id, fetched in one go. */
export async function passagesOf(store: Store, rankings: Rankings[]) {
  const ids = new Set<number>();
  for (const r of rankings) for (const leg of [r.bm25, r.dense, r.fused, r.rrf]) for (const id of leg) ids.add(id);
  return store.passages([...ids]);
}
