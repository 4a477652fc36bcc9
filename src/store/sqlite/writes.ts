// The embedded store's writes: each change set in one IMMEDIATE transaction on the writer connection
// (articles and passages, the keyword index and its statistics, the change log the vector cache and other
// processes replay), and freshly computed vectors in small commits of their own.
import type Database from 'better-sqlite3';
import { encodeSpans } from '../../text/sentences.js';
import type { Catalog } from './catalog.js';
import { OP } from './graphs.js';
import { ftsToken } from './rows.js';
import { sentencesToBytes, StoreError, vectorToBytes, type ChangeSet, type CommitResult, type LibraryKey, type NewArticle, type VectorRecord } from '../types.js';

/** Keep this many changes in the log beyond what every saved graph includes. */
const CHANGE_LOG_KEEP = 50_000;

export interface Writer {
  commit(changes: ChangeSet): CommitResult;
  cacheVectors(modelId: string, vectors: ReadonlyMap<string, VectorRecord>): void;
  /** The id of a library, created if asked (in the caller's transaction, if any). */
  libraryIdFor(key: LibraryKey, create: boolean): number;
}

/** `oldestSaved(head)`: the oldest change a saved vector graph includes (the log is pruned up to it). */
export function writer(w: Database.Database, cat: Catalog, oldestSaved: (head: number) => number): Writer {
  const wq = {
    setMeta: w.prepare('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value'),
    libraryId: w.prepare('SELECT id FROM libraries WHERE key = ?'),
    addLibrary: w.prepare('INSERT INTO libraries (key, name, created_at) VALUES (?, ?, ?) ON CONFLICT (key) DO UPDATE SET name = COALESCE(excluded.name, libraries.name)'),
    leftLibrary: w.prepare('UPDATE libraries SET left_at = ? WHERE key = ?'),
    insertArticle: w.prepare(`INSERT INTO articles (library_id, file, format, hash, size, mtime_ms, title, title_is_fallback, outlet, byline,
        date, url, warnings, title_terms, terms, passages, added_at, source)
      VALUES (@library_id, @file, @format, @hash, @size, @mtime_ms, @title, @title_is_fallback, @outlet, @byline, @date, @url, @warnings,
        @title_terms, @terms, @passages, @added_at, @source)`),
    insertPassage: w.prepare(`INSERT INTO passages (article_id, library_id, paragraph, part, char_start, char_end, text, search_text, hash, terms, length, tags, sentences)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
    insertFts: w.prepare('INSERT INTO passages_fts (rowid, terms) VALUES (?, ?)'),
    deleteFts: w.prepare('DELETE FROM passages_fts WHERE rowid = ?'),
    addDf: w.prepare('INSERT INTO term_df (library_id, term, df) VALUES (?, ?, ?) ON CONFLICT (library_id, term) DO UPDATE SET df = df + excluded.df'),
    subDf: w.prepare('UPDATE term_df SET df = df - ? WHERE library_id = ? AND term = ?'),
    dropDf: w.prepare('DELETE FROM term_df WHERE library_id = ? AND term = ? AND df <= 0'),
    libStats: w.prepare('UPDATE libraries SET passages = passages + ?, tokens = tokens + ? WHERE id = ?'),
    libArticles: w.prepare('UPDATE libraries SET articles = articles + ?, bytes = bytes + ? WHERE id = ?'),
    articleSize: w.prepare('SELECT library_id, size FROM articles WHERE id = ?'),
    change: w.prepare('INSERT INTO changes (library_id, passage_id, op) VALUES (?, ?, ?)'),
    articlePassages: w.prepare('SELECT id, library_id, terms, length, hash FROM passages WHERE article_id = ?'),
    deletePassages: w.prepare('DELETE FROM passages WHERE article_id = ?'),
    deleteArticle: w.prepare('DELETE FROM articles WHERE id = ?'),
    touch: w.prepare('UPDATE articles SET mtime_ms = ? WHERE id = ?'),
    missingVectors: w.prepare('SELECT COUNT(*) AS n FROM passages p WHERE p.article_id = ? AND NOT EXISTS (SELECT 1 FROM vectors v WHERE v.model = ? AND v.hash = p.hash)'),
    gcVector: w.prepare('DELETE FROM vectors WHERE model = ? AND hash = ? AND NOT EXISTS (SELECT 1 FROM passages WHERE hash = ?)'),
    // A vector stored before sentence vectors existed (NULL) is completed; any other stays as it is.
    cacheVector: w.prepare(`INSERT INTO vectors (model, hash, vector, sentences) VALUES (?, ?, ?, ?)
      ON CONFLICT (model, hash) DO UPDATE SET vector = excluded.vector, sentences = excluded.sentences WHERE vectors.sentences IS NULL`),
    libraryArticles: w.prepare('SELECT a.id FROM articles a JOIN libraries l ON l.id = a.library_id WHERE l.key = ?'),
    deleteLibrary: w.prepare('DELETE FROM libraries WHERE key = ?'),
    changeCount: w.prepare('SELECT COUNT(*) AS n, COALESCE(MAX(seq), 0) AS head FROM changes'),
    pruneChanges: w.prepare('DELETE FROM changes WHERE seq <= ?'),
  };

  const libraryIdFor = (key: LibraryKey, create: boolean): number => {
    const row = wq.libraryId.get(key) as { id: number } | undefined;
    if (row) return row.id;
    if (!create) throw new StoreError(`there is no library "${key}"`);
    wq.addLibrary.run(key, null, new Date().toISOString());
    return (wq.libraryId.get(key) as { id: number }).id;
  };

  function removeArticleTx(articleId: number, removedHashes: Set<string>): number {
    const rows = wq.articlePassages.all(articleId) as { id: number; library_id: number; terms: string; length: number; hash: string }[];
    const df = new Map<string, number>();
    let tokens = 0;
    for (const p of rows) {
      wq.deleteFts.run(p.id);
      wq.change.run(p.library_id, p.id, OP.remove);
      for (const t of new Set(p.terms ? p.terms.split(' ') : [])) df.set(t, (df.get(t) ?? 0) + 1);
      tokens += p.length;
      removedHashes.add(p.hash);
    }
    if (rows.length) {
      const lib = rows[0].library_id;
      for (const [t, n] of df) {
        wq.subDf.run(n, lib, t);
        wq.dropDf.run(lib, t);
      }
      wq.libStats.run(-rows.length, -tokens, lib);
    }
    const article = wq.articleSize.get(articleId) as { library_id: number; size: number } | undefined;
    if (article) wq.libArticles.run(-1, -article.size, article.library_id);
    wq.deletePassages.run(articleId);
    wq.deleteArticle.run(articleId);
    return rows.length;
  }

  function addArticleTx(a: NewArticle, modelId: string): number {
    const libraryId = libraryIdFor(a.library, true);
    const articleTerms = new Set(a.titleTerms);
    for (const p of a.passages) for (const t of p.terms) articleTerms.add(t);
    const info = wq.insertArticle.run({
      library_id: libraryId,
      file: a.file,
      format: a.format,
      hash: a.hash,
      size: a.size,
      mtime_ms: a.mtimeMs,
      title: a.title,
      title_is_fallback: a.titleIsFallback ? 1 : 0,
      outlet: a.source,
      byline: a.byline,
      date: a.date,
      url: a.url,
      warnings: JSON.stringify(a.warnings),
      title_terms: a.titleTerms.join(' '),
      terms: [...articleTerms].join(' '),
      passages: a.passages.length,
      added_at: new Date().toISOString(),
      source: a.upload ?? null,
    });
    const articleId = Number(info.lastInsertRowid);
    const df = new Map<string, number>();
    let tokens = 0;
    for (const p of a.passages) {
      const terms = p.terms.join(' ');
      const pid = Number(
        wq.insertPassage.run(articleId, libraryId, p.paragraph, p.part, p.start, p.end, p.text, p.searchText === p.text ? '' : p.searchText, p.hash, terms, p.terms.length, JSON.stringify(p.tags), encodeSpans(p.sentences)).lastInsertRowid,
      );
      wq.insertFts.run(pid, p.terms.map((t) => ftsToken(libraryId, t)).join(' '));
      wq.change.run(libraryId, pid, OP.add);
      for (const t of new Set(p.terms)) df.set(t, (df.get(t) ?? 0) + 1);
      tokens += p.terms.length;
    }
    for (const [t, n] of df) wq.addDf.run(libraryId, t, n);
    wq.libStats.run(a.passages.length, tokens, libraryId);
    wq.libArticles.run(1, a.size, libraryId);
    if ((wq.missingVectors.get(articleId, modelId) as { n: number }).n > 0) {
      throw new StoreError(`the vectors of ${a.file} were not stored before it was committed`);
    }
    return articleId;
  }

  /** The change log only needs to reach back to the oldest saved graph; keep a margin for slow readers. */
  function pruneChangeLog(): void {
    const { n, head } = wq.changeCount.get() as { n: number; head: number };
    if (n < 4 * CHANGE_LOG_KEEP) return;
    wq.pruneChanges.run(Math.min(oldestSaved(head), head - CHANGE_LOG_KEEP));
  }

  const commitTx = w.transaction((changes: ChangeSet): CommitResult => {
    const result: CommitResult = { added: [], removedPassages: 0 };
    const removedHashes = new Set<string>();
    if (changes.settings) {
      const s = changes.settings;
      wq.setMeta.run('model_id', s.modelId);
      wq.setMeta.run('dims', String(s.dims));
      wq.setMeta.run('chunker_version', s.chunkerVersion);
      wq.setMeta.run('max_tokens', String(s.maxTokens));
    }
    const settings = cat.settings(w);
    if (changes.reset) {
      w.exec(`DELETE FROM passages; DELETE FROM articles; DELETE FROM term_df; UPDATE libraries SET passages = 0, tokens = 0, articles = 0, bytes = 0;
        INSERT INTO passages_fts (passages_fts) VALUES ('delete-all');`);
      wq.change.run(0, 0, OP.reset);
      if (settings) w.prepare('DELETE FROM vectors WHERE model <> ?').run(settings.modelId);
    }
    const now = new Date().toISOString();
    for (const l of changes.libraries ?? []) wq.addLibrary.run(l.key, l.name ?? null, now);
    for (const id of changes.removeArticles ?? []) result.removedPassages += removeArticleTx(id, removedHashes);
    if (changes.addArticles?.length && !settings) throw new StoreError('articles cannot be added before the index settings (model) are set');
    for (const a of changes.addArticles ?? []) {
      const id = addArticleTx(a, settings!.modelId);
      result.added.push({ file: a.file, library: a.library, id, passages: a.passages.length });
    }
    for (const t of changes.touchArticles ?? []) wq.touch.run(t.mtimeMs, t.id);
    for (const l of changes.leftLibraries ?? []) wq.leftLibrary.run(l.at, l.key);
    for (const key of changes.deleteLibraries ?? []) {
      const row = wq.libraryId.get(key) as { id: number } | undefined;
      if (!row) continue;
      for (const { id } of wq.libraryArticles.all(key) as { id: number }[]) result.removedPassages += removeArticleTx(id, removedHashes);
      w.prepare('DELETE FROM term_df WHERE library_id = ?').run(row.id);
      w.prepare('DELETE FROM feed_entries WHERE feed_id IN (SELECT id FROM feeds WHERE library_id = ?)').run(row.id);
      w.prepare('DELETE FROM feeds WHERE library_id = ?').run(row.id);
      wq.change.run(row.id, 0, OP.dropLibrary);
      wq.deleteLibrary.run(key);
    }
    if (settings) for (const h of removedHashes) wq.gcVector.run(settings.modelId, h, h);
    pruneChangeLog();
    return result;
  });

  const cacheTx = w.transaction((modelId: string, vectors: ReadonlyMap<string, VectorRecord>) => {
    for (const [hash, v] of vectors) wq.cacheVector.run(modelId, hash, vectorToBytes(v.vector), sentencesToBytes(v.sentences));
  });

  return {
    commit: (changes) => commitTx.immediate(changes),
    cacheVectors: (modelId, vectors) => cacheTx.immediate(modelId, vectors),
    libraryIdFor,
  };
}
