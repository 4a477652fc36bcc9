// The embedded store's keyword query: the passages in scope that hold any of the asked words, best first by
// BM25, each with its occurrences of the question's words. FTS5 holds the postings; the ranking is done
// here, from them. FTS5's own bm25() looks up each matching row's length in its size table and walks its
// position list, about 2 µs a row, and a question in a large scope matches about a thousand rows: 2.5 ms of
// a 14 ms question. Read through an fts5vocab table, the same postings cost about 0.7 µs a row, and
// lengths come from memory (two bytes a passage, never stale: a passage id is never reused). The scores
// also use the scope's statistics, as search/keyword.ts does, where bm25() used the whole table's.
//
// The code is one function body, run as is on a side thread (a large scope: it overlaps with the vector
// search) or on the caller's thread over its own connection (a small one): one implementation for both.
import { createRequire } from 'node:module';
import type Database from 'better-sqlite3';
import { sideThread, type SideThread } from '../../side-thread.js';
import type { KeywordCandidate } from '../types.js';

export interface KeywordAsk {
  /** Per asked word, its FTS5 tokens (one per library in scope). */
  asked: string[][];
  /** The scope's passages and terms, for idf and the average length. */
  docs: number;
  tokens: number;
  limit: number;
  /** The question's terms, counted in each candidate returned. */
  count: readonly string[];
}

/** FTS5's bm25() defaults, which search/keyword.ts also uses. */
const K1 = 1.2;
const B = 0.75;

// CommonJS, evaluated with `require` and `data` (see side-thread.ts). `data.db` is the caller's connection
// when run on its thread; a side thread opens its own.
const BODY = `
  const Database = require(data.sqlite);
  let db = data.db;
  if (!db) {
    db = new Database(data.path, { readonly: true, fileMustExist: true });
    for (const p of data.pragmas) db.pragma(p);
  }
  const postings = db.prepare('SELECT doc FROM passages_fts_instances WHERE term = ?').pluck();
  const lengthsOf = db.prepare('SELECT id, length FROM passages WHERE id IN (SELECT value FROM json_each(?))').raw();
  const termsOf = db.prepare('SELECT id, length, terms FROM passages WHERE id IN (SELECT value FROM json_each(?))').raw();
  // length + 1 by passage id (0: not read yet), capped to fit.
  let lengths = new Uint16Array(0);
  const setLength = (id, length) => {
    if (id >= lengths.length) {
      const grown = new Uint16Array(Math.max(id + 1, lengths.length * 2));
      grown.set(lengths);
      lengths = grown;
    }
    lengths[id] = Math.min(length, 65534) + 1;
  };
  if (data.preload) {
    // One aggregate row: reading 100,000 rows one by one takes 150 ms, this 30 ms.
    const [ids, lens] = db.prepare('SELECT json_group_array(id), json_group_array(length) FROM passages').raw().get();
    const id = JSON.parse(ids), len = JSON.parse(lens);
    let max = 0;
    for (const x of id) if (x > max) max = x;
    lengths = new Uint16Array(max + 1);
    for (let i = 0; i < id.length; i++) setLength(id[i], len[i]);
  }
  // Each passage's score while a question is scored (0: not matched), and the passages it was set for.
  let acc = new Float64Array(0);
  const handle = ({ asked, docs, tokens, limit, count }) => {
    // Each asked word's occurrences (one per library token), in passage order: a passage's occurrences
    // are then adjacent, and their count is its term frequency. (The table lists them in that order
    // already, which makes the sort nearly free.)
    const perWord = asked.map((tokensOfWord) => [].concat(...tokensOfWord.map((token) => postings.all(token))).sort((x, y) => x - y));
    const unknown = [];
    for (const list of perWord) for (const doc of list) if (!(lengths[doc] > 0)) unknown.push(doc);
    if (unknown.length) for (const [id, length] of lengthsOf.all(JSON.stringify([...new Set(unknown)]))) setLength(id, length);
    if (acc.length < lengths.length) acc = new Float64Array(lengths.length);
    const avg = docs > 0 ? tokens / docs : 1;
    const touched = [];
    for (const list of perWord) {
      let df = 0;
      for (let i = 0; i < list.length; i++) if (i === 0 || list[i] !== list[i - 1]) df++;
      const idf = Math.log(1 + (docs - df + 0.5) / (df + 0.5));
      for (let i = 0; i < list.length; ) {
        const doc = list[i];
        let f = 0;
        while (i < list.length && list[i] === doc) (f++, i++);
        const stored = lengths[doc];
        if (!(stored > 0)) continue; // removed since the postings were read
        const norm = data.k1 * (1 - data.b + (data.b * (stored - 1)) / avg);
        if (acc[doc] === 0) touched.push(doc);
        acc[doc] += (idf * f * (data.k1 + 1)) / (f + norm);
      }
    }
    touched.sort((x, y) => acc[y] - acc[x] || x - y);
    for (const doc of touched) acc[doc] = 0;
    const best = touched.slice(0, limit);
    const rank = new Map(best.map((doc, i) => [doc, i]));
    const out = new Array(best.length);
    const wanted = [...new Set(count)];
    for (const [id, length, terms] of termsOf.all(JSON.stringify(best))) {
      // A substring search per question term: splitting every candidate's terms took 5 times as long.
      const padded = ' ' + terms + ' ';
      const found = [];
      for (const w of wanted) {
        const needle = ' ' + w + ' ';
        for (let at = padded.indexOf(needle); at >= 0; at = padded.indexOf(needle, at + needle.length - 1)) found.push(w);
      }
      out[rank.get(id)] = { id, length, terms: found };
    }
    return out.filter(Boolean);
  };
  handle.close = () => {
    if (!data.db) db.close();
  };
  return handle;`;

type Handler = (ask: KeywordAsk) => KeywordCandidate[];

export interface KeywordQuery {
  run(ask: KeywordAsk, threaded: boolean): KeywordCandidate[] | Promise<KeywordCandidate[]>;
  close(): Promise<void>;
}

/**
 * The keyword query over the database at `path`: `run(ask, true)` on a side thread (started now when
 * `startThread`, since it first reads every passage's length), `run(ask, false)` on this thread over `db`.
 */
export function keywordQuery(db: Database.Database, path: string, pragmas: readonly string[], startThread: boolean): KeywordQuery {
  const require = createRequire(import.meta.url);
  const data = { sqlite: require.resolve('better-sqlite3'), path, pragmas, k1: K1, b: B };
  let here: Handler | undefined;
  const runHere = (ask: KeywordAsk) => {
    here ??= new Function('require', 'data', BODY)(require, { ...data, db, preload: false }) as Handler;
    return here(ask);
  };
  let thread: SideThread<KeywordAsk, KeywordCandidate[]> | undefined;
  const start = () => (thread ??= sideThread<KeywordAsk, KeywordCandidate[]>(BODY, { ...data, preload: true }, runHere));
  if (startThread) start();
  return {
    run: (ask, threaded) => (threaded ? start().run(ask) : runHere(ask)),
    close: async () => {
      await thread?.close();
    },
  };
}
