// npm run eval:extract [-- DIR] [--json] [--folds 5] [--worst 10]
// Article body extraction on real pages with human-marked bodies (../shared/eval/extraction/): each page
// goes through exactly what indexing does (decode, extract, clean, split) and the body text as indexed is
// scored with the benchmark's own metric: 4-token shingles, per-page precision/recall normalised so every
// page weighs the same, F1 of the means. Also pages per second, and the scores of each fold of pages
// (a split by page key), which show whether a figure depends on a few pages.
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { extractFile } from '../src/ingest/extract.js';

const args = process.argv.slice(2);
const opt = (name: string, def: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : def;
};
const dir = args.find((a, i) => !a.startsWith('--') && !args[i - 1]?.startsWith('--')) ?? path.resolve('../shared/eval/extraction');
const truth = JSON.parse(fs.readFileSync(path.join(dir, 'ground-truth.json'), 'utf8')) as Record<string, { url: string; articleBody: string }>;
const folds = Number(opt('folds', '5'));

function shingles(text: string): Map<string, number> {
  const tokens = text.match(/\w+/gu) ?? [];
  const out = new Map<string, number>();
  for (let i = 0; i + 4 <= tokens.length; i++) {
    const s = tokens.slice(i, i + 4).join(' ');
    out.set(s, (out.get(s) ?? 0) + 1);
  }
  return out;
}

function pageScore(extracted: string, gold: string): { p: number; r: number } {
  const a = shingles(extracted);
  const b = shingles(gold);
  let tp = 0;
  let fp = 0;
  let fn = 0;
  for (const [s, n] of a) {
    const m = b.get(s) ?? 0;
    tp += Math.min(n, m);
    fp += Math.max(0, n - m);
  }
  for (const [s, m] of b) fn += Math.max(0, m - (a.get(s) ?? 0));
  if (fp === 0 && fn === 0) return { p: 1, r: 1 };
  const total = tp + fp + fn;
  return { p: tp / total / ((tp + fp) / total || 1), r: tp / total / ((tp + fn) / total || 1) };
}

const keys = Object.keys(truth).sort();
const pages = keys.map((k) => ({ key: k, html: zlib.gunzipSync(fs.readFileSync(path.join(dir, 'html', `${k}.html.gz`))) }));
const t0 = performance.now();
const scored = pages.map(({ key, html }) => {
  const r = extractFile(`${key}.html`, html);
  const text = 'error' in r ? '' : r.text;
  return { key, ...pageScore(text, truth[key].articleBody), url: truth[key].url, error: 'error' in r ? r.error : null };
});
const seconds = (performance.now() - t0) / 1000;
const summarise = (xs: typeof scored) => {
  const p = xs.reduce((s, x) => s + x.p, 0) / xs.length;
  const r = xs.reduce((s, x) => s + x.r, 0) / xs.length;
  return { f1: (2 * p * r) / (p + r), precision: p, recall: r };
};
const all = summarise(scored);
const byFold = Array.from({ length: folds }, (_, f) => summarise(scored.filter((_, i) => i % folds === f)));
const result = { pages: scored.length, ...all, pagesPerSecond: scored.length / seconds, folds: byFold, errors: scored.filter((s) => s.error).map((s) => `${s.key}: ${s.error}`) };
if (args.includes('--json')) {
  console.log(JSON.stringify(result));
} else {
  const f = (x: number) => x.toFixed(3);
  console.log(`${result.pages} pages: F1 ${f(all.f1)} (precision ${f(all.precision)}, recall ${f(all.recall)}), ${result.pagesPerSecond.toFixed(1)} pages/s`);
  console.log(`folds (F1): ${byFold.map((x) => f(x.f1)).join(' ')}`);
  for (const e of result.errors) console.log(`  error ${e}`);
  const worst = Number(opt('worst', '0'));
  if (worst) {
    for (const s of [...scored].sort((a, b) => a.p + a.r - (b.p + b.r)).slice(0, worst)) console.log(`  P ${f(s.p)} R ${f(s.r)}  ${s.key.slice(0, 12)}  ${s.url}`);
  }
}
