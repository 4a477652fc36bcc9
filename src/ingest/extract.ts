// What would be indexed from one file, without indexing it: the article's metadata, its body text as
// paragraphs, and the passages it is cut into. `verbatim extract` prints it; the extraction benchmark
// scores its text.
import path from 'node:path';
import { buildArticle } from './article.js';
import { sourceFromBytes } from './read.js';
import type { Passage } from './types.js';

export interface Extracted {
  file: string;
  title: string;
  outlet: string | null;
  byline: string | null;
  date: string | null;
  url: string | null;
  /** The body as indexed: paragraphs separated by a blank line. */
  text: string;
  passages: Pick<Passage, 'paragraph' | 'part' | 'start' | 'end' | 'text'>[];
  warnings: string[];
}

/** The default passage budget (the offline model's); `verbatim extract` passes the configured model's. */
export const DEFAULT_MAX_TOKENS = 488;

export function extractFile(file: string, bytes: Buffer, maxTokens = DEFAULT_MAX_TOKENS): Extracted | { file: string; error: string } {
  const name = path.basename(file);
  const outcome = sourceFromBytes(name, bytes);
  if (!outcome.ok) return { file, error: outcome.reason };
  const article = buildArticle(outcome.source, maxTokens);
  const paragraphs = new Map<number, string>();
  for (const p of article.passages) {
    const prev = paragraphs.get(p.paragraph);
    paragraphs.set(p.paragraph, prev === undefined ? p.text : `${prev} ${p.text}`);
  }
  return {
    file,
    title: article.title,
    outlet: article.source,
    byline: article.byline,
    date: article.date,
    url: article.url,
    text: [...paragraphs.values()].join('\n\n'),
    passages: article.passages.map(({ paragraph, part, start, end, text }) => ({ paragraph, part, start, end, text })),
    warnings: article.warnings,
  };
}
