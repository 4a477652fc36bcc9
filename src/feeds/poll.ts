// Following feeds: a library follows a feed (given its address, or a site's, whose page names its feed);
// each feed is checked on a schedule with a conditional request; entries it has not seen (or whose date
// or title changed) have their pages fetched and indexed; what became of every entry is kept in the store
// of record, so a restart neither misses an entry nor indexes one twice. A feed that fails is checked
// less and less often (doubling, up to a day); a server's feeds add at most so many articles a day.
import type { Config } from '../config.js';
import { addFromWeb, webFetcher, type Engine } from '../engine.js';
import { FetchRefused } from '../fetch/client.js';
import type { PageOutcome } from '../index/pages.js';
import { SHARED, type FeedEntryRecord, type FeedRecord, type FeedState, type LibraryKey, type Store } from '../store/types.js';
import { feedLinks } from './discover.js';
import { FeedError, parseFeedBytes, type ParsedFeed } from './parse.js';

export class FeedRefused extends Error {
  override name = 'FeedRefused';
}

export interface PollResult {
  feed: FeedRecord;
  /** 'unchanged': nothing new (the feed answered 304, or listed only entries already seen). */
  status: 'unchanged' | 'updated' | 'failed';
  /** Articles added or updated by this check. */
  articles: PageOutcome[];
  /** Entries that were not indexed, with why. */
  skipped: PageOutcome[];
  /** Passages embedded for them (passages whose text was embedded before reuse their vectors). */
  embedded: number;
  /** Said once: a feed capped to its newest entries, the daily limit reached, why the check failed. */
  notes: string[];
}

const DAY_MS = 86_400_000;

/** When to check a feed again after `failures` failures in a row. */
export function nextCheck(config: Config, failures: number, now = Date.now()): string {
  return new Date(now + Math.min(DAY_MS, config.feedPollMs * 2 ** failures)).toISOString();
}

/** The schedule after a check that worked: the next one at the usual interval. */
function checked(config: Config, now: number): FeedState {
  return { checkedAt: new Date(now).toISOString(), nextAt: nextCheck(config, 0, now), failures: 0, lastError: null };
}

/** A feed (or a site page naming one) at `address`: its final address and what it holds. */
async function findFeed(engine: Engine, address: string): Promise<{ url: string; site: string | null; parsed: ParsedFeed; etag: string | null; lastModified: string | null }> {
  const web = webFetcher(engine);
  const max = engine.config.feedMaxEntries;
  const first = await web.fetch(address, { accept: 'feed' });
  try {
    return { url: first.url, site: null, parsed: parseFeedBytes(first.body, first.url, max), etag: first.etag, lastModified: first.lastModified };
  } catch (err) {
    if (!(err instanceof FeedError)) throw err;
  }
  const links = /html/.test(first.contentType) || /^\s*</.test(first.body.subarray(0, 200).toString('utf8')) ? feedLinks(first.body.toString('utf8'), first.url) : [];
  if (!links.length) throw new FeedRefused(`${address} is not a feed (RSS, Atom or JSON Feed), and no feed is linked from it`);
  let why = '';
  for (const link of links.slice(0, 3)) {
    try {
      const r = await web.fetch(link, { accept: 'feed' });
      return { url: r.url, site: first.url, parsed: parseFeedBytes(r.body, r.url, max), etag: r.etag, lastModified: r.lastModified };
    } catch (err) {
      why = (err as Error).message;
    }
  }
  throw new FeedRefused(`${address} links to a feed, but it could not be read: ${why}`);
}

/**
 * Follows a feed in a library and indexes its entries now (up to the cap and the daily limit). Throws
 * FeedRefused when it cannot be followed: not a feed, already followed, too many feeds.
 */
export async function followFeed(engine: Engine, library: LibraryKey, address: string, opts: { channelId?: string | null; signal?: AbortSignal; libraryName?: string } = {}): Promise<PollResult> {
  const { store, config } = engine;
  const existing = await store.feeds([library]);
  if (library !== SHARED && existing.length >= config.guildMaxFeeds) {
    throw new FeedRefused(`This server follows ${existing.length} feeds, the limit (GUILD_MAX_FEEDS); stop following one first.`);
  }
  let found: Awaited<ReturnType<typeof findFeed>>;
  try {
    found = await findFeed(engine, address);
  } catch (err) {
    if (err instanceof FetchRefused || err instanceof FeedRefused) throw new FeedRefused(err.message);
    throw err;
  }
  if (existing.some((f) => f.url === found.url)) throw new FeedRefused(`This library already follows ${found.url}.`);
  const feed = await store.addFeed({ library, url: found.url, site: found.site, title: found.parsed.title, channelId: opts.channelId ?? null, nextAt: new Date().toISOString() });
  return ingest(engine, feed, found.parsed, { etag: found.etag, lastModified: found.lastModified }, opts);
}

/** Checks one feed now: new and changed entries are indexed; the schedule moves on either way. */
export async function pollFeed(engine: Engine, feed: FeedRecord, opts: { signal?: AbortSignal; libraryName?: string } = {}): Promise<PollResult> {
  const { store, config } = engine;
  const now = Date.now();
  try {
    const r = await webFetcher(engine).fetch(feed.url, { accept: 'feed', etag: feed.etag, lastModified: feed.lastModified, signal: opts.signal });
    if (r.notModified) {
      await store.updateFeed(feed.id, checked(config, now));
      return { feed, status: 'unchanged', articles: [], skipped: [], notes: [], embedded: 0 };
    }
    const parsed = parseFeedBytes(r.body, r.url, config.feedMaxEntries);
    return await ingest(engine, feed, parsed, { etag: r.etag, lastModified: r.lastModified }, opts);
  } catch (err) {
    if (!(err instanceof FetchRefused) && !(err instanceof FeedError)) throw err;
    const failures = feed.failures + 1;
    const why = err instanceof FeedError ? `${feed.url}: ${err.message}` : err.message;
    await store.updateFeed(feed.id, { checkedAt: new Date(now).toISOString(), nextAt: nextCheck(config, failures, now), failures, lastError: why });
    return { feed: { ...feed, failures, lastError: why }, status: 'failed', articles: [], skipped: [], notes: [why], embedded: 0 };
  }
}

/** Indexes a parsed feed's new and changed entries into the feed's library, and records them. */
async function ingest(engine: Engine, feed: FeedRecord, parsed: ParsedFeed, validators: { etag: string | null; lastModified: string | null }, opts: { signal?: AbortSignal; libraryName?: string }): Promise<PollResult> {
  const { store, config } = engine;
  const now = Date.now();
  const notes: string[] = [];
  if (parsed.total > parsed.entries.length) notes.push(`The feed lists ${parsed.total} entries; only the newest ${parsed.entries.length} are read (FEED_MAX_ENTRIES).`);
  const known = await store.feedEntries(feed.id, parsed.entries.map((e) => e.key));
  let todo = parsed.entries.filter((e) => known.get(e.key)?.fingerprint !== e.fingerprint);
  if (feed.library !== SHARED) {
    const used = await store.feedArticlesSince(feed.library, new Date(now - DAY_MS).toISOString());
    const left = Math.max(0, config.guildMaxFeedArticlesPerDay - used);
    const fresh = todo.filter((e) => !known.has(e.key));
    if (fresh.length > left) {
      const dropped = new Set(fresh.slice(left).map((e) => e.key)); // the oldest wait for tomorrow
      todo = todo.filter((e) => !dropped.has(e.key));
      notes.push(`This server's feeds may add ${config.guildMaxFeedArticlesPerDay} articles a day (GUILD_MAX_FEED_ARTICLES_PER_DAY); ${dropped.size} will be read tomorrow.`);
    }
  }
  const articles: PageOutcome[] = [];
  const skipped: PageOutcome[] = [];
  const records: FeedEntryRecord[] = [];
  let embedded = 0;
  if (todo.length) {
    const { pages, summary } = await addFromWeb(engine, feed.library, todo.map((e) => e.url), { signal: opts.signal, libraryName: opts.libraryName });
    embedded = summary.embedded;
    const byAddress = new Map(pages.map((p) => [p.address, p]));
    for (const e of todo) {
      const p = byAddress.get(e.url) ?? { address: e.url, status: 'skipped' as const, reason: 'it could not be fetched' };
      // An entry whose page could not be fetched this time (a time-out, a server error) is tried again at the next check.
      if (p.status === 'skipped' && p.reason && transient(p.reason)) {
        skipped.push(p);
        continue;
      }
      (p.status === 'skipped' ? skipped : p.status === 'unchanged' ? [] : articles).push(p);
      records.push({ key: e.key, url: e.url, fingerprint: e.fingerprint, status: p.status === 'skipped' ? 'skipped' : 'indexed', file: p.file ?? null, reason: p.reason ?? null, seenAt: new Date().toISOString() });
    }
    await store.saveFeedEntries(feed.id, records);
  }
  await store.updateFeed(feed.id, { title: parsed.title ?? feed.title, etag: validators.etag, lastModified: validators.lastModified, ...checked(config, now) });
  return { feed, status: articles.length ? 'updated' : 'unchanged', articles, skipped, notes, embedded };
}

const transient = (reason: string) => /did not answer|refused the connection|closed the connection|could not be found|HTTP 5\d\d|HTTP 429|could not be fetched/.test(reason);

/** Checks every feed that is due (in the libraries given, or all), one after another. */
export async function pollDue(engine: Engine, opts: { all?: boolean; libraries?: LibraryKey[]; signal?: AbortSignal; onResult?: (r: PollResult) => void } = {}): Promise<PollResult[]> {
  const now = new Date().toISOString();
  const feeds = (await engine.store.feeds(opts.libraries)).filter((f) => opts.all || f.nextAt <= now);
  const results: PollResult[] = [];
  for (const feed of feeds) {
    if (opts.signal?.aborted) break;
    const r = await pollFeed(engine, feed, { signal: opts.signal });
    results.push(r);
    opts.onResult?.(r);
  }
  return results;
}

/** Stops following a feed, found by its address (or its site's) or its number in the library. */
export async function unfollowFeed(store: Store, library: LibraryKey, which: string): Promise<FeedRecord> {
  const feeds = await store.feeds([library]);
  const feed = feeds.find((f) => f.url === which || f.site === which || String(f.id) === which);
  if (!feed) throw new FeedRefused(`This library does not follow ${which}.`);
  await store.removeFeed(feed.id);
  return feed;
}
