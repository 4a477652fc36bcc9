// An answer is made only of passages as they stand in the articles: the sentences that best match the
// question are marked (by offsets, the text itself is untouched) and each passage carries its citation.
import type { SearchResult } from '../search/search.js';
import type { ArticleRecord, LibraryKey, Store, StoredPassage } from '../store/types.js';
import type { Context } from '../search/window.js';
import { termsBySentence } from '../text/terms.js';
import type { Span } from '../text/sentences.js';
import { formatDate } from '../text/dates.js';

export interface Highlight {
  start: number; // offsets into the passage text
  end: number;
}

export interface QuotedPassage {
  rank: number;
  text: string;
  highlight: Highlight[];
  docId: string;
  file: string;
  title: string;
  source: string | null;
  date: string | null;
  /** The page the article was published at, when it says. */
  url: string | null;
  /** The library the article belongs to: `shared`, or `guild:<id>` for a server's own. */
  library: LibraryKey;
  paragraph: number;
  part: number;
  /** Character offsets of `text` in the decoded source file. */
  start: number;
  end: number;
  score: number;
  citation: string;
  /**
   * The passages beside this one in its article, quoted with it (the first quote only, search/window.ts):
   * each as it stands, with its own place in the source.
   */
  context?: { before: ContextPassage[]; after: ContextPassage[] };
}

export interface ContextPassage {
  text: string;
  paragraph: number;
  part: number;
  start: number;
  end: number;
}

export interface Answer {
  question: string;
  answered: boolean;
  /**
   * Not answered, yet the closest passage is shown as such (`message` says why): the evidence is mixed, or
   * the question asks about a time no article speaks of.
   */
  tentative?: boolean;
  /** Said instead of quotes when nothing matched, or when the question itself could not be used. */
  message?: string;
  passages: QuotedPassage[];
  /** When not answered: the articles that came closest, so the user knows what is there. */
  closest: { title: string; file: string; library: LibraryKey }[];
}

export const NOT_FOUND = "I couldn't find that in the articles.";
export const TENTATIVE = 'This may not answer your question — the closest passage:';
export const TENTATIVE_SEVERAL = 'This may not answer your question — the closest passages:';

/** A sentence's cosine with the question counts for this much beside its share of the question's words… */
const MEANING_WEIGHT = 1;
/** …above this cosine, which unrelated sentences reach. */
const MEANING_FLOOR = 0.2;

/** "¶4", or "¶3–5" for a quote shown with its context. */
export function paragraphs(p: Pick<QuotedPassage, 'paragraph' | 'context'>): string {
  const first = p.context?.before[0]?.paragraph ?? p.paragraph;
  const last = p.context?.after.at(-1)?.paragraph ?? p.paragraph;
  return first === last ? `¶${p.paragraph}` : `¶${first}–${last}`;
}

export function citation(p: Pick<QuotedPassage, 'title' | 'source' | 'date' | 'paragraph' | 'file' | 'context'>): string {
  const where = [p.source, formatDate(p.date), paragraphs(p)].filter(Boolean).join(', ');
  return `${p.title} — ${where} (${p.file})`;
}

const BETWEEN = '\n\n';

/** The passages quoted with `p` as its context, in article order (none for most quotes). */
export function contextPassages(p: Pick<QuotedPassage, 'context'>): ContextPassage[] {
  return p.context ? [...p.context.before, ...p.context.after] : [];
}

/** The quote as it is shown: its context and itself in article order, one text, its marks moved along. */
export function asShown(p: QuotedPassage): QuotedPassage {
  if (!p.context) return p;
  const before = p.context.before.map((c) => c.text + BETWEEN).join('');
  const after = p.context.after.map((c) => BETWEEN + c.text).join('');
  return { ...p, text: before + p.text + after, highlight: p.highlight.map((h) => ({ start: h.start + before.length, end: h.end + before.length })) };
}

/**
 * The sentence(s) of `text` (its `spans`, as stored with the passage) that best match the question: the
 * share of its (rarity-weighted) words they hold, plus, where the sentences' cosines with the question are
 * known (`meaning`), how near they are in meaning, so that a question asked in other words still marks
 * the sentence that answers it.
 */
export function highlightSentences(text: string, spans: readonly Span[], questionTerms: string[], idf: (t: string) => number, meaning?: readonly number[]): Highlight[] {
  const wanted = [...new Set(questionTerms)];
  const bySentence = termsBySentence(text, spans, wanted);
  const all = wanted.reduce((n, t) => n + idf(t), 0) || 1;
  const byMeaning = meaning && meaning.length === spans.length ? meaning : null;
  const scored = spans.map((s, i) => {
    let score = 0;
    for (const t of wanted) if (bySentence[i].has(t)) score += idf(t);
    score /= all;
    if (byMeaning) score += MEANING_WEIGHT * Math.max(0, byMeaning[i] - MEANING_FLOOR);
    return { ...s, score };
  });
  const best = Math.max(0, ...scored.map((s) => s.score));
  if (best === 0 || scored.length === 0) return [];
  if (scored.length === 1) return [{ start: scored[0].start, end: scored[0].end }];
  return scored
    .filter((s) => s.score >= best * 0.75)
    .sort((a, b) => b.score - a.score)
    .slice(0, 2)
    .sort((a, b) => a.start - b.start)
    .map(({ start, end }) => ({ start, end }));
}

const contextPassage = (p: StoredPassage): ContextPassage => ({ text: p.text, paragraph: p.paragraph, part: p.part, start: p.start, end: p.end });

/** The articles to cite: those search already read, and the rest from the store. */
async function articlesOf(store: Store, result: Pick<SearchResult, 'articles'>, ids: number[]): Promise<ReadonlyMap<number, ArticleRecord>> {
  const missing = ids.filter((id) => !result.articles.has(id));
  if (!missing.length) return result.articles;
  return new Map([...result.articles, ...(await store.articlesById(missing))]);
}

/** `all`: every selected passage, not only those judged worth showing at first ("More sources"). */
export async function composeAnswer(store: Store, question: string, result: SearchResult, opts: { all?: boolean } = {}): Promise<Answer> {
  if (!result.answered && result.tentative && result.selected.length) {
    // A time no article speaks of gets the one closest passage; mixed evidence, the closest few: when the
    // first is in doubt, the answer is as likely in the next ones.
    const passages = await quote(store, result, opts.all || !result.note ? result.selected : result.selected.slice(0, 1), result.context);
    return { question, answered: false, tentative: true, message: result.note ?? (passages.length > 1 ? TENTATIVE_SEVERAL : TENTATIVE), passages, closest: [] };
  }
  if (!result.answered) {
    const ids: number[] = [];
    for (const f of result.ranking) {
      if (!ids.includes(f.passage.articleId)) ids.push(f.passage.articleId);
      if (ids.length >= 3) break;
    }
    const articles = await articlesOf(store, result, ids);
    const closest = ids.flatMap((id) => {
      const a = articles.get(id);
      return a ? [{ title: a.title, file: a.file, library: a.library }] : [];
    });
    return { question, answered: false, message: NOT_FOUND, passages: [], closest };
  }
  const quoted = opts.all ? result.selected : result.selected.slice(0, result.shown);
  return { question, answered: true, passages: await quote(store, result, quoted, result.context), closest: [] };
}

/** The passages as quoted: text as it stands, best sentences marked, with their citations. */
/** `context`: the first quote's (search/window.ts), quoted with it. */
export async function quote(store: Store, result: Pick<SearchResult, 'articles' | 'terms' | 'rarity' | 'sentenceCosines'>, quoted: readonly SearchResult['selected'][number][], context?: Context): Promise<QuotedPassage[]> {
  const articles = await articlesOf(store, result, [...new Set(quoted.map((f) => f.passage.articleId))]);
  return quoted.map((f, i): QuotedPassage => {
    const p = f.passage;
    const a = articles.get(p.articleId);
    const q = {
      rank: i + 1,
      text: p.text,
      highlight: highlightSentences(p.text, p.sentences, result.terms, result.rarity.idf, result.sentenceCosines.get(p.id)),
      docId: p.docId,
      file: p.file,
      title: a?.title ?? p.file,
      source: a?.source ?? null,
      date: a?.date ?? null,
      url: a?.url ?? null,
      library: p.library,
      paragraph: p.paragraph,
      part: p.part,
      start: p.start,
      end: p.end,
      score: Math.round(f.score * 1000) / 1000,
      citation: '',
      ...(i === 0 && context && (context.before.length || context.after.length) ? { context: { before: context.before.map(contextPassage), after: context.after.map(contextPassage) } } : {}),
    };
    q.citation = citation(q);
    return q;
  });
}
