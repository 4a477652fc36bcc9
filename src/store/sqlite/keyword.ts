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
// On the side thread it also reads ahead the rows the caller reads next: the passages and vectors of the
// best candidates (the caller's thread was spending about 1.2 ms a question on them at 100,000 passages).
import { createRequire } from 'node:module';
import type Database from 'better-sqlite3';
import { sideThread, type SideThread } from '../../side-thread.js';
import type { KeywordCandidate } from '../types.js';

export interface KeywordAsk {
  /** Per asked word, its FTS5 tokens (one per library in scope). */
  asked: string[][];
  /** The asked words themselves, in the same order. */
  words: string[];
  /** The scope's passages and terms, for idf and the average length. */
  docs: number;
  tokens: number;
  limit: number;
  /** The question's terms, counted in each candidate returned. */
  count: readonly string[];
  /** The libraries in scope (for the document frequency of the words not asked). */
  libraries: number[];
  /**
   * How many of the best candidates, scored on all of `count`, to read along (passage row and vector of
   * `model`): the caller reads them next, and a side thread reads them while the caller's thread is busy.
   */
  ahead: number;
  model: string | null;
}

/** What a question's keyword query gives: the candidates, and the rows read along (see KeywordAsk.ahead). */
export interface KeywordAnswer<Row> {
  candidates: KeywordCandidate[];
  ahead: (Row & { vector: Uint8Array | null })[];
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
  const dfOf = db.prepare('SELECT term, SUM(df) FROM term_df WHERE library_id IN (SELECT value FROM json_each(?)) AND term IN (SELECT value FROM json_each(?)) GROUP BY term').raw();
  const rowsOf = db.prepare(data.rowsSql);
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
  // BM25's parts, as search/keyword.ts has them: a word's idf in scope, and a passage's length norm.
  const idfIn = (docs, df) => Math.log(1 + (docs - df + 0.5) / (df + 0.5));
  const normOf = (length, avg) => data.k1 * (1 - data.b + (data.b * length) / avg);
  // Postings come in passage order (the table lists them so): a passage's occurrences are adjacent.
  const sorted = (list) => {
    for (let i = 1; i < list.length; i++) if (list[i] < list[i - 1]) return list.sort((x, y) => x - y);
    return list;
  };
  // Where passage \`doc\`'s run starts in a sorted list (or where it would be).
  const firstAt = (list, doc) => {
    let lo = 0, hi = list.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (list[mid] < doc) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
  const handle = ({ asked, words, docs, tokens, limit, count, libraries, ahead, model }) => {
    // Each asked word's occurrences (one list per library token, merged), in passage order: their count
    // in a run is the passage's term frequency.
    const perWord = asked.map((tokensOfWord) =>
      tokensOfWord.length === 1 ? sorted(postings.all(tokensOfWord[0])) : [].concat(...tokensOfWord.map((token) => postings.all(token))).sort((x, y) => x - y),
    );
    const unknown = [];
    for (const list of perWord) for (const doc of list) if (!(lengths[doc] > 0)) unknown.push(doc);
    if (unknown.length) for (const [id, length] of lengthsOf.all(JSON.stringify([...new Set(unknown)]))) setLength(id, length);
    if (acc.length < lengths.length) acc = new Float64Array(lengths.length);
    const avg = docs > 0 ? tokens / docs : 1;
    const touched = [];
    const idfOf = new Map();
    for (const [w, list] of perWord.entries()) {
      let df = 0;
      for (let i = 0; i < list.length; i++) if (i === 0 || list[i] !== list[i - 1]) df++;
      const idf = idfIn(docs, df);
      idfOf.set(words[w], idf);
      for (let i = 0; i < list.length; ) {
        const doc = list[i];
        let f = 0;
        while (i < list.length && list[i] === doc) (f++, i++);
        const stored = lengths[doc];
        if (!(stored > 0)) continue; // removed since the postings were read
        const norm = normOf(stored - 1, avg);
        if (acc[doc] === 0) touched.push(doc);
        acc[doc] += (idf * f * (data.k1 + 1)) / (f + norm);
      }
    }
    // Only the best \`limit\` are ordered: the score of the last of them (a typed array sorts without a
    // comparator, several times faster) keeps the rest out.
    let best = touched;
    if (touched.length > limit) {
      const scores = new Float64Array(touched.length);
      for (let i = 0; i < touched.length; i++) scores[i] = acc[touched[i]];
      const floor = scores.sort()[touched.length - limit];
      best = touched.filter((doc) => acc[doc] >= floor);
    }
    best.sort((x, y) => acc[y] - acc[x] || x - y);
    best = best.slice(0, limit);
    for (const doc of touched) acc[doc] = 0;
    const wanted = [...new Set(count)];
    const askedAt = new Map(words.map((w, i) => [w, i]));
    // The asked words' occurrences are in their postings; only the question's other (common) words are
    // looked for in each passage's terms, which are read only then, or for a length too long to store.
    const others = wanted.filter((w) => !askedAt.has(w));
    const rows = new Map();
    const unsure = others.length ? best : best.filter((doc) => lengths[doc] - 1 >= 65534);
    if (unsure.length) for (const [id, length, terms] of termsOf.all(JSON.stringify(unsure))) rows.set(id, { length, terms: ' ' + terms + ' ' });
    const out = [];
    for (const doc of best) {
      const row = rows.get(doc);
      if (others.length && !row) continue; // removed since the postings were read
      const found = [];
      for (const w of wanted) {
        const i = askedAt.get(w);
        if (i !== undefined) {
          const list = perWord[i];
          for (let at = firstAt(list, doc); at < list.length && list[at] === doc; at++) found.push(w);
        } else {
          // A substring search per term: splitting every candidate's terms took 5 times as long.
          const needle = ' ' + w + ' ';
          for (let at = row.terms.indexOf(needle); at >= 0; at = row.terms.indexOf(needle, at + needle.length - 1)) found.push(w);
        }
      }
      out.push({ id: doc, length: row ? row.length : lengths[doc] - 1, terms: found });
    }
    return { candidates: out, ahead: ahead > 0 && out.length ? readAhead(out, others, idfOf, { docs, avg, libraries, ahead, model }) : [] };
  };
  // The rows of the candidates the caller will read next: the best by BM25 on all the question's words, as
  // search/keyword.ts ranks them (a guess that misses costs only the caller's own read).
  const readAhead = (candidates, others, idfOf, { docs, avg, libraries, ahead, model }) => {
    if (others.length) {
      const df = new Map(dfOf.all(JSON.stringify(libraries), JSON.stringify(others)));
      for (const w of others) idfOf.set(w, idfIn(docs, df.get(w) || 0));
    }
    const scored = candidates.map((c) => {
      let score = 0;
      const norm = normOf(c.length, avg);
      for (let i = 0; i < c.terms.length; ) {
        const w = c.terms[i];
        let f = 0;
        while (i < c.terms.length && c.terms[i] === w) (f++, i++);
        score += (idfOf.get(w) || 0) * ((f * (data.k1 + 1)) / (f + norm));
      }
      return { id: c.id, score };
    });
    scored.sort((x, y) => y.score - x.score || x.id - y.id);
    return rowsOf.all({ ids: JSON.stringify(scored.slice(0, ahead).map((x) => x.id)), model });
  };
  handle.close = () => {
    if (!data.db) db.close();
  };
  return handle;`;

type Handler<Row> = (ask: KeywordAsk) => KeywordAnswer<Row>;

export interface KeywordQuery<Row> {
  run(ask: KeywordAsk, threaded: boolean): KeywordAnswer<Row> | Promise<KeywordAnswer<Row>>;
  close(): Promise<void>;
}

/**
 * The keyword query over the database at `path`: `run(ask, true)` on a side thread (started now when
 * `startThread`, since it first reads every passage's length), `run(ask, false)` on this thread over `db`.
 * `rowsSql` reads the rows read along (named parameters `ids`, a JSON array, and `model`).
 */
export function keywordQuery<Row>(db: Database.Database, path: string, pragmas: readonly string[], startThread: boolean, rowsSql: string): KeywordQuery<Row> {
  const require = createRequire(import.meta.url);
  const data = { sqlite: require.resolve('better-sqlite3'), path, pragmas, k1: K1, b: B, rowsSql };
  let here: Handler<Row> | undefined;
  const runHere = (ask: KeywordAsk) => {
    here ??= new Function('require', 'data', BODY)(require, { ...data, db, preload: false }) as Handler<Row>;
    return here(ask);
  };
  let thread: SideThread<KeywordAsk, KeywordAnswer<Row>> | undefined;
  const start = () => (thread ??= sideThread<KeywordAsk, KeywordAnswer<Row>>(BODY, { ...data, preload: true }, runHere));
  if (startThread) start();
  return {
    run: (ask, threaded) => (threaded ? start().run(ask) : runHere(ask)),
    close: async () => {
      await thread?.close();
    },
  };
}
