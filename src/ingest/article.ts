// One file in, one article out: clean the page, rebuild its paragraphs, cut them to the model's length.
import { clean } from './clean.js';
import { splitToFit, toParagraphs } from './split.js';
import { unglue } from './glued.js';
import type { Article, Passage, SourceText } from './types.js';

/**
 * Bump when cleaning, splitting or what is stored with a passage (its analysed terms, its entity tags)
 * changes: it forces a full re-index (vectors of unchanged text are reused). v3: "when", "will" and the
 * like are stopwords; an amount followed by an unknown currency counts as money. v4: articles' dates from
 * datelines, the lead, and the date a page prints for itself.
 */
export const CHUNKER_VERSION = 'v4';

export function buildArticle(source: SourceText, maxTokens: number): Article {
  const { meta, body } = clean(source);
  const passages: Passage[] = [];
  const paragraphs = toParagraphs(source.text, body);
  paragraphs.forEach((para, i) => {
    const pieces = splitToFit(source.text, para, maxTokens);
    pieces.forEach((piece, j) => {
      const text = source.text.slice(piece.start, piece.end);
      passages.push({
        docId: source.file,
        file: source.file,
        paragraph: i + 1,
        part: pieces.length > 1 ? j + 1 : 0,
        start: piece.start,
        end: piece.end,
        text,
        searchText: unglue(text),
      });
    });
  });
  return { ...meta, docId: source.file, file: source.file, format: source.format, passages, warnings: source.warnings };
}
