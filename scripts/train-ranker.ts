// node --import tsx scripts/train-ranker.ts [--no-write]
// Learns the reranker and the abstention model (src/search/model.json) on the evaluation sets in
// ../shared/eval, with cross-validation by article: every figure printed is measured on articles the model
// did not see. Sets: SQuAD 2.0 (3 Wikipedia articles: answerable questions, the unanswerable ones written
// against the same paragraphs, and each article's questions with that article left out), the real news
// pages of news/ (with their off-topic negatives), and the bundled articles' dev questions and negatives.
//
// The reranker is linear over search/features.ts, trained listwise (softmax over a question's top fused
// candidates, the target spread over those that hold an answer). The abstention model is logistic over
// search/abstain.ts, fed with out-of-fold reranker scores; its threshold is the lowest abstention on
// the one with the fewest mistakes of every kind together (wrong quotes for left-out articles kept ≤ 4%).
import fs from 'node:fs';
import path from 'node:path';
import { loadConfig } from '../src/config.js';
import { updateIndex } from '../src/index/update.js';
import { ABSTAIN_FEATURES, abstainFeatures } from '../src/search/abstain.js';
import { FEATURES, type QuestionInfo } from '../src/search/features.js';
import { MODEL_FILE, type LinearModel, type Models } from '../src/search/model.js';
import { search } from '../src/search/search.js';
import { SHARED, type Store } from '../src/store/types.js';
import { readSquad } from './lib/squad.js';
import { addArticles, containsAnswer, emptyStore, evalEmbedder, tempDir } from './lib/harness.js';

type Kind = 'answerable' | 'loao' | 'impossible' | 'negative';
interface Sample {
  dataset: 'squad' | 'news' | 'dev';
  group: string;
  kind: Kind;
  question: string;
  q: QuestionInfo;
  x: number[][];
  y: number[];
}

const args = process.argv.slice(2);
const EVAL = path.resolve('../shared/eval');
const config = loadConfig();
const embedder = await evalEmbedder();
const NONE: Models = { ranker: null, abstain: null };
const records: Sample[] = [];
const log = (s: string) => process.stderr.write(s + '\n');
const readJsonl = <T>(f: string): T[] => fs.readFileSync(f, 'utf8').split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l) as T);

async function collect(store: Store, dataset: Sample["dataset"], kind: Kind, question: string, answers: string[], group: (top: string | null) => string): Promise<void> {
  const r = await search(store, embedder, [SHARED], question, 3, { models: NONE });
  const head = r.ranking.slice(0, r.features.candidates.length);
  const y = head.map((f) => (answers.length && containsAnswer(f.passage.text, answers) ? 1 : 0));
  const firstHit = head.find((f, i) => y[i]);
  records.push({ dataset, group: group(firstHit?.passage.file ?? null), kind, question, q: r.features.question, x: r.features.candidates, y });
}

// ——— SQuAD ———
{
  const { articles, questions } = readSquad(path.join(EVAL, 'squad/dev-v2.0-3articles.json'));
  const full = await emptyStore();
  await addArticles(full, articles, embedder);
  for (const q of questions) await collect(full, 'squad', q.impossible ? 'impossible' : 'answerable', q.question, q.answers, () => `squad:${q.title}`);
  await full.close();
  for (const left of articles) {
    const store = await emptyStore();
    await addArticles(store, articles.filter((a) => a !== left), embedder);
    for (const q of questions) if (!q.impossible && `${q.title}.txt` === left.file) await collect(store, 'squad', 'loao', q.question, [], () => `squad:${q.title}`);
    await store.close();
  }
  log(`squad: ${records.length} questions`);
}

// ——— news pages, beside the bundled articles ———
{
  const corpus = tempDir('verbatim-train-news-');
  fs.cpSync(config.corpusDir, corpus, { recursive: true });
  for (const p of fs.readdirSync(path.join(EVAL, 'news/pages'))) fs.copyFileSync(path.join(EVAL, 'news/pages', p), path.join(corpus, p));
  const store = await emptyStore();
  await updateIndex({ store, corpusDir: corpus, maxFileBytes: config.maxFileBytes, embedder });
  await store.refresh();
  for (const q of readJsonl<{ q: string; a: string[]; doc: string }>(path.join(EVAL, 'news/questions.jsonl'))) await collect(store, 'news', 'answerable', q.q, q.a, () => `news:${q.doc}`);
  let i = 0;
  for (const q of readJsonl<{ q: string }>(path.join(EVAL, 'news/negatives.jsonl'))) await collect(store, 'news', 'negative', q.q, [], () => `news:negative-${i++}`);
  await store.close();
}

// ——— the bundled articles ———
{
  const store = await emptyStore();
  await updateIndex({ store, corpusDir: config.corpusDir, maxFileBytes: config.maxFileBytes, embedder });
  await store.refresh();
  for (const q of readJsonl<{ q: string; a: string[] }>(path.join(EVAL, 'dev-questions.jsonl'))) await collect(store, 'dev', 'answerable', q.q, q.a, (file) => `dev:${file ?? q.q}`);
  let i = 0;
  for (const q of readJsonl<{ q: string }>(path.join(EVAL, 'dev-negatives.jsonl'))) await collect(store, 'dev', 'negative', q.q, [], () => `dev:negative-${i++}`);
  await store.close();
}
log(`collected ${records.length} questions`);

// ——— learning ———
const WEIGHT: Record<Sample['dataset'], number> = { squad: 1, news: 5, dev: 5 };

function standardiser(rows: number[][]): { mean: number[]; std: number[] } {
  const d = rows[0]?.length ?? 0;
  const mean = new Array(d).fill(0);
  const std = new Array(d).fill(0);
  for (const r of rows) r.forEach((v, i) => (mean[i] += v / rows.length));
  for (const r of rows) r.forEach((v, i) => (std[i] += (v - mean[i]) ** 2 / rows.length));
  return { mean, std: std.map((s) => Math.sqrt(s) || 1) };
}

/** Adam on a differentiable loss over weights (bias last). */
function optimise(dims: number, grad: (w: number[]) => number[], steps = 400, rate = 0.05): number[] {
  const w = new Array(dims + 1).fill(0);
  const m = new Array(dims + 1).fill(0);
  const v = new Array(dims + 1).fill(0);
  for (let t = 1; t <= steps; t++) {
    const g = grad(w);
    for (let i = 0; i <= dims; i++) {
      m[i] = 0.9 * m[i] + 0.1 * g[i];
      v[i] = 0.999 * v[i] + 0.001 * g[i] * g[i];
      w[i] -= (rate * (m[i] / (1 - 0.9 ** t))) / (Math.sqrt(v[i] / (1 - 0.999 ** t)) + 1e-8);
    }
  }
  return w;
}

const L2 = 0.01;

/** Listwise reranker over the kept feature columns. */
function trainRanker(train: Sample[], keep: number[]): LinearModel {
  const lists = train.filter((r) => r.kind === 'answerable' && r.y.some(Boolean));
  const { mean, std } = standardiser(lists.flatMap((r) => r.x.map((x) => keep.map((j) => x[j]))));
  const Z = lists.map((r) => r.x.map((x) => keep.map((j, i) => (x[j] - mean[i]) / std[i])));
  const W = lists.map((r) => WEIGHT[r.dataset]);
  const total = W.reduce((a, b) => a + b, 0);
  const w = optimise(keep.length, (w) => {
    const g = new Array(keep.length + 1).fill(0);
    Z.forEach((z, qi) => {
      const s = z.map((x) => x.reduce((acc, v, i) => acc + v * w[i], 0));
      const mx = Math.max(...s);
      const e = s.map((v) => Math.exp(v - mx));
      const sum = e.reduce((a, b) => a + b, 0);
      const pos = lists[qi].y;
      const posSum = e.reduce((a, v, i) => a + (pos[i] ? v : 0), 0);
      z.forEach((x, ci) => {
        const diff = e[ci] / sum - (pos[ci] ? e[ci] / posSum : 0);
        x.forEach((v, i) => (g[i] += (W[qi] / total) * diff * v));
      });
    });
    for (let i = 0; i < keep.length; i++) g[i] += L2 * w[i];
    return g;
  });
  return { features: keep.map((j) => FEATURES[j]), mean, std, weights: w.slice(0, keep.length), bias: 0 };
}

function scoreWith(m: LinearModel, keep: number[], x: number[]): number {
  let s = m.bias;
  keep.forEach((j, i) => (s += m.weights[i] * ((x[j] - m.mean[i]) / m.std[i])));
  return s;
}

/** Logistic regression. */
function trainLogistic(rows: number[][], labels: number[], weights: number[], names: readonly string[]): LinearModel {
  const { mean, std } = standardiser(rows);
  const Z = rows.map((r) => r.map((v, i) => (v - mean[i]) / std[i]));
  const total = weights.reduce((a, b) => a + b, 0);
  const d = names.length;
  const w = optimise(d, (w) => {
    const g = new Array(d + 1).fill(0);
    Z.forEach((z, k) => {
      const p = 1 / (1 + Math.exp(-(z.reduce((a, v, i) => a + v * w[i], 0) + w[d])));
      const diff = (weights[k] / total) * (p - labels[k]);
      z.forEach((v, i) => (g[i] += diff * v));
      g[d] += diff;
    });
    for (let i = 0; i < d; i++) g[i] += L2 * w[i];
    return g;
  });
  return { features: [...names], mean, std, weights: w.slice(0, d), bias: w[d] };
}

// Folds by article: every group (one article, or one negative question) is in exactly one fold.
const FOLDS = 5;
const groups = [...new Set(records.map((r) => r.group))];
const size = new Map<string, number>();
for (const r of records) size.set(r.group, (size.get(r.group) ?? 0) + 1);
const foldOf = new Map<string, number>();
const load = new Array(FOLDS).fill(0);
for (const g of [...groups].sort((a, b) => size.get(b)! - size.get(a)! || a.localeCompare(b))) {
  const f = load.indexOf(Math.min(...load));
  foldOf.set(g, f);
  load[f] += size.get(g)!;
}

interface Ranked {
  r: Sample;
  order: number[];
  scores: number[];
}

function rankAll(keep: number[] | null): Ranked[] {
  const out: Ranked[] = [];
  for (let f = 0; f < FOLDS; f++) {
    const test = records.filter((r) => foldOf.get(r.group) === f);
    const model = keep ? trainRanker(records.filter((r) => foldOf.get(r.group) !== f), keep) : null;
    for (const r of test) {
      const s = r.x.map((x, i) => (model ? scoreWith(model, keep!, x) : r.x.length - i)); // null: the fused order
      const order = s.map((_, i) => i).sort((a, b) => s[b] - s[a] || a - b);
      out.push({ r, order, scores: order.map((i) => s[i]) });
    }
  }
  return out;
}

function rankingMetrics(ranked: Ranked[]) {
  const res: Record<string, { n: number; top1: number; top3: number }> = {};
  for (const ds of ['squad', 'news', 'dev'] as const) {
    const xs = ranked.filter((x) => x.r.dataset === ds && x.r.kind === 'answerable');
    const top1 = xs.filter((x) => x.r.y[x.order[0]] === 1).length;
    const top3 = xs.filter((x) => x.order.slice(0, 3).some((i) => x.r.y[i] === 1)).length;
    res[ds] = { n: xs.length, top1: top1 / xs.length, top3: top3 / xs.length };
  }
  return res;
}

const all = FEATURES.map((_, i) => i);
const fusedOrder = rankingMetrics(rankAll(null));
const learned = rankAll(all);
const learnedMetrics = rankingMetrics(learned);
log(`fused  ${JSON.stringify(fusedOrder)}`);
log(`ranker ${JSON.stringify(learnedMetrics)}`);
const ablation: { feature: string; metrics: ReturnType<typeof rankingMetrics> }[] = [];
for (const j of all) {
  const metrics = rankingMetrics(rankAll(all.filter((i) => i !== j)));
  ablation.push({ feature: FEATURES[j], metrics });
  log(`  without ${FEATURES[j].padEnd(14)} ${JSON.stringify(metrics)}`);
}

// ——— abstention, on out-of-fold reranker scores ———
const absRows = learned.map((x) => abstainFeatures(x.r.q, x.order.map((i) => x.r.x[i]), x.scores));
const absLabels = learned.map((x) => (x.r.kind === 'answerable' ? 1 : 0));
const absWeights = learned.map((x) => (x.r.kind === 'impossible' ? 0.3 : x.r.kind === 'negative' ? 5 : x.r.dataset === 'squad' ? 1 : 3));
const oof = new Array<number>(learned.length).fill(0);
for (let f = 0; f < FOLDS; f++) {
  const idx = learned.map((x, i) => (foldOf.get(x.r.group) === f ? -1 : i)).filter((i) => i >= 0);
  const m = trainLogistic(idx.map((i) => absRows[i]), idx.map((i) => absLabels[i]), idx.map((i) => absWeights[i]), ABSTAIN_FEATURES);
  learned.forEach((x, i) => {
    if (foldOf.get(x.r.group) !== f) return;
    let z = m.bias;
    absRows[i].forEach((v, k) => (z += m.weights[k] * ((v - m.mean[k]) / m.std[k])));
    oof[i] = 1 / (1 + Math.exp(-z));
  });
}
const rate = (pred: (i: number) => boolean, sel: (x: Ranked) => boolean) => {
  const ids = learned.map((x, i) => (sel(x) ? i : -1)).filter((i) => i >= 0);
  return ids.filter(pred).length / (ids.length || 1);
};
function abstention(t: number) {
  const answered = (i: number) => oof[i] >= t;
  return {
    threshold: t,
    loaoAnswered: rate(answered, (x) => x.r.kind === 'loao'),
    squadAbstained: rate((i) => !answered(i), (x) => x.r.dataset === 'squad' && x.r.kind === 'answerable'),
    impossibleAnswered: rate(answered, (x) => x.r.kind === 'impossible'),
    newsNegativesRefused: rate((i) => !answered(i), (x) => x.r.dataset === 'news' && x.r.kind === 'negative'),
    newsAbstained: rate((i) => !answered(i), (x) => x.r.dataset === 'news' && x.r.kind === 'answerable'),
    devNegativesRefused: rate((i) => !answered(i), (x) => x.r.dataset === 'dev' && x.r.kind === 'negative'),
    devAbstained: rate((i) => !answered(i), (x) => x.r.dataset === 'dev' && x.r.kind === 'answerable'),
  };
}
const curve = Array.from({ length: 99 }, (_, i) => abstention((i + 1) / 100));
if (args.includes('--curve')) for (const c of curve) if (c.threshold * 100 % 5 === 0) console.error(JSON.stringify(c));
// Every kind of mistake counts the same: a quote for a question whose article is missing, an answerable
// question refused (in each set), an off-topic question answered (in each set).
const cost = (c: (typeof curve)[number]) =>
  c.loaoAnswered + c.squadAbstained + c.newsAbstained + c.devAbstained + (1 - c.newsNegativesRefused) + (1 - c.devNegativesRefused);
const feasible = curve.filter((c) => c.loaoAnswered <= 0.04);
const chosen = (feasible.length ? feasible : curve).reduce((a, b) => (cost(b) < cost(a) - 1e-9 ? b : a));
log(`abstention (out of fold) at ${chosen.threshold}: ${JSON.stringify(chosen)}`);

if (args.includes('--dump')) {
  learned.forEach((x, i) => {
    if (x.r.dataset === 'squad' && i % 20) return;
    console.error(`${x.r.kind.padEnd(10)} ${x.r.dataset} p=${oof[i].toFixed(2)} ${ABSTAIN_FEATURES.map((n, k) => `${n}=${absRows[i][k].toFixed(2)}`).join(' ')} | ${x.r.question}`);
  });
}

// ——— final models, trained on everything ———
const ranker = trainRanker(records, all);
const abstain = { ...trainLogistic(absRows, absLabels, absWeights, ABSTAIN_FEATURES), threshold: chosen.threshold };
const result: Models = {
  ranker,
  abstain,
  trained: {
    by: 'scripts/train-ranker.ts',
    date: new Date().toISOString().slice(0, 10),
    model: embedder.modelId,
    questions: Object.fromEntries(['squad', 'news', 'dev'].map((d) => [d, Object.fromEntries((['answerable', 'loao', 'impossible', 'negative'] as Kind[]).map((k) => [k, records.filter((r) => r.dataset === d && r.kind === k).length]))])),
    crossValidation: { folds: FOLDS, by: 'article', fusedOrder, reranked: learnedMetrics, abstention: chosen },
    ablation: ablation.map((a) => ({ without: a.feature, ...a.metrics })),
  },
};
const pct = (x: number) => (x * 100).toFixed(1);
const table = [
  '| ranking (cross-validated by article) | SQuAD top-1 / top-3 | news top-1 / top-3 | dev top-1 / top-3 |',
  '| --- | --- | --- | --- |',
  ...[['fused order (no reranker)', fusedOrder], ['**learned reranker, all features**', learnedMetrics], ...ablation.map((a) => [`without ${a.feature}`, a.metrics] as const)].map(
    ([name, m]) => `| ${name} | ${(m as typeof fusedOrder).squad.top1.toFixed(3)} / ${(m as typeof fusedOrder).squad.top3.toFixed(3)} | ${(m as typeof fusedOrder).news.top1.toFixed(3)} / ${(m as typeof fusedOrder).news.top3.toFixed(3)} | ${(m as typeof fusedOrder).dev.top1.toFixed(3)} / ${(m as typeof fusedOrder).dev.top3.toFixed(3)} |`,
  ),
].join('\n');
console.log(table);
console.log(`\nabstention threshold ${chosen.threshold}: left-out-article questions answered ${pct(chosen.loaoAnswered)}%, SQuAD answerable abstained ${pct(chosen.squadAbstained)}%, SQuAD unanswerable answered ${pct(chosen.impossibleAnswered)}%, news negatives refused ${pct(chosen.newsNegativesRefused)}%, news answerable abstained ${pct(chosen.newsAbstained)}%, dev negatives refused ${pct(chosen.devNegativesRefused)}%, dev answerable abstained ${pct(chosen.devAbstained)}%`);
if (!args.includes('--no-write')) {
  fs.writeFileSync(MODEL_FILE, JSON.stringify(result, null, 1) + '\n');
  log(`written to ${MODEL_FILE}`);
}
process.exit(0);
