// A story's timeline: the articles about a topic in date order, oldest first, each by its passage that
// best matches the topic. Which articles are about it is the re-ranker's call on a deeper search than a
// question's, with the same bar as for time in questions (search/when.ts): an article is in when its best
// passage answers about as well as the best of all. Articles with no known year are placed by the latest
// year they mention, and undated ones come last; the articles of a numbered series ("the 12th dialogue")
// whose pages print no year take their places among themselves by number.
import type { Embedder } from '../embed/model.js';
import type { ArticleRecord, Scope, Store } from '../store/types.js';
import { spanOf, type DaySpan } from '../text/dates.js';
import type { Fused } from './fuse.js';
import { articleMentions, namesIn, search, type SearchResult } from './search.js';
import { inSeriesOrder, passageTime } from './when.js';

/** Candidates each leg brings, and how many of them the re-ranker reads: a story may run to dozens of articles. */
const TIMELINE_DEPTH = 100;
/**
 * An article is part of the topic's story when its best passage's probability is at least `floor`, and no
 * more than `drop` below the best article's (tuned by scripts/eval-time.ts).
 */
export const TIMELINE_BAR = { floor: 0.5, drop: 0.04, cosine: 0.19 };
/** At most this many entries. */
export const TIMELINE_MAX = 50;

export interface TimelineResult {
  /** One passage per article, oldest article first. */
  entries: Fused[];
  /** The search the entries come from (its articles, terms and sentence cosines mark the quotes). */
  result: SearchResult;
}

export async function timelineOf(store: Store, embedder: Embedder, scope: Scope, topic: string, opts: { within?: DaySpan } = {}): Promise<TimelineResult> {
  const result = await search(store, embedder, scope, topic, TIMELINE_MAX, { depth: TIMELINE_DEPTH, rerankDepth: TIMELINE_DEPTH, within: opts.within, time: null });
  const head = result.ranking.slice(0, TIMELINE_DEPTH);
  const about = namesIn(result.features.question, result.articleTerms);
  const best = new Map<number, Fused>();
  for (const f of head) if (!best.has(f.passage.articleId) && about(f)) best.set(f.passage.articleId, f);
  const top = head[0]?.score ?? 0;
  const bar = Math.max(TIMELINE_BAR.floor, top - TIMELINE_BAR.drop);
  const likely = [...best.values()].filter((f) => f.score >= bar);
  // As for time in questions: passages about as near the topic in meaning as the nearest.
  const nearest = Math.max(0, ...likely.map((f) => f.cosine));
  const chosen = likely.filter((f) => f.cosine >= nearest - TIMELINE_BAR.cosine).slice(0, TIMELINE_MAX);
  const articles = result.articles;
  const undated = chosen.filter((f) => !spanOf(articles.get(f.passage.articleId)?.date));
  const mentions = await articleMentions(store, undated, articles);
  const placed = chosen.map((f) => {
    const a = articles.get(f.passage.articleId);
    return { f, a, t: passageTime(f, a, mentions.get(f.passage.articleId)) };
  });
  // Dated articles by their date; those whose page printed no year where the years they mention put them.
  const when = (x: (typeof placed)[number]) => x.t.article?.from ?? x.t.at ?? Infinity;
  placed.sort((x, y) => when(x) - when(y) || order(x.a, y.a));
  return { entries: inSeriesOrder(placed, (x) => x.t).map((x) => x.f), result };
}

function order(a: ArticleRecord | undefined, b: ArticleRecord | undefined): number {
  return (a?.addedAt ?? '').localeCompare(b?.addedAt ?? '') || (a?.id ?? 0) - (b?.id ?? 0);
}
