// The embedded store's rows as the database holds them, and as the store's records: articles and
// passages, the columns read for each, and the joins a passage needs (its article's file, its library's key).
import { decodeSpans, sentenceSpans } from '../../text/sentences.js';
import type { ArticleRecord, EntityTags, StoredPassage } from '../types.js';

export interface ArticleRow {
  id: number;
  library: string;
  file: string;
  format: string;
  hash: string;
  size: number;
  mtime_ms: number;
  title: string;
  title_is_fallback: number;
  outlet: string | null;
  byline: string | null;
  date: string | null;
  url: string | null;
  warnings: string;
  passages: number;
  added_at: string;
}

export interface PassageRow {
  id: number;
  article_id: number;
  library: string;
  file: string;
  paragraph: number;
  part: number;
  char_start: number;
  char_end: number;
  text: string;
  /** '' when it is the passage's text, as it is for most passages. */
  search_text: string;
  hash: string;
  terms: string;
  tags: string;
  sentences: string | null;
}

export const PASSAGE_COLUMNS = `p.id, p.article_id, l.key AS library, a.file, p.paragraph, p.part, p.char_start, p.char_end, p.text,
  p.search_text, p.hash, p.terms, p.tags, p.sentences`;
/** What a passage record needs beside its own row: its article's file and its library's key. */
export const PASSAGE_JOINS = 'JOIN articles a ON a.id = p.article_id JOIN libraries l ON l.id = p.library_id';
/** Passages with their vector, read along with a question's keyword query (keyword.ts). */
export const PASSAGES_WITH_VECTORS = `SELECT ${PASSAGE_COLUMNS}, v.vector FROM json_each(@ids) j CROSS JOIN passages p ON p.id = j.value
  ${PASSAGE_JOINS} LEFT JOIN vectors v ON v.model = @model AND v.hash = p.hash`;

export const ARTICLE_COLUMNS = `a.id, l.key AS library, a.file, a.format, a.hash, a.size, a.mtime_ms, a.title, a.title_is_fallback,
  a.outlet, a.byline, a.date, a.url, a.warnings, a.passages, a.added_at`;

export function toArticle(r: ArticleRow): ArticleRecord {
  return {
    id: r.id,
    library: r.library,
    file: r.file,
    format: r.format as ArticleRecord['format'],
    hash: r.hash,
    size: r.size,
    mtimeMs: r.mtime_ms,
    title: r.title,
    titleIsFallback: !!r.title_is_fallback,
    source: r.outlet,
    byline: r.byline,
    date: r.date,
    url: r.url,
    warnings: JSON.parse(r.warnings) as string[],
    passages: r.passages,
    addedAt: r.added_at,
  };
}

export function toPassage(r: PassageRow): StoredPassage {
  return {
    id: r.id,
    articleId: r.article_id,
    library: r.library,
    docId: r.file,
    file: r.file,
    paragraph: r.paragraph,
    part: r.part,
    start: r.char_start,
    end: r.char_end,
    text: r.text,
    searchText: r.search_text || r.text, // '' when the same (schema 7)
    hash: r.hash,
    terms: r.terms ? r.terms.split(' ') : [],
    tags: JSON.parse(r.tags) as EntityTags,
    sentences: decodeSpans(r.sentences) ?? sentenceSpans(r.text),
  };
}

/** A term as the keyword index holds it: prefixed with its library. */
export const ftsToken = (libraryId: number, term: string) => `l${libraryId}_${term}`;
