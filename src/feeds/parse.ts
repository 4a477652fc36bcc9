// A feed's bytes in, its entries out: RSS 2.0, Atom, RSS 1.0 (RDF) and JSON Feed, read by feedsmith. Each
// entry is keyed by its id (guid) or, without one, its link, and fingerprinted by what the feed says of it
// (its date and title): a new key is a new article, a changed fingerprint an article to fetch again.
import { parseFeed } from 'feedsmith';
import { httpUrl } from '../text/address.js';

export class FeedError extends Error {}

export interface FeedEntry {
  key: string;
  url: string;
  title: string | null;
  /** The entry's date as the feed gives it (updated, else published), if any. */
  updated: string | null;
  fingerprint: string;
}

export interface ParsedFeed {
  format: string;
  title: string | null;
  /** Newest first (by date where the feed gives dates, else in the feed's order), at most the cap. */
  entries: FeedEntry[];
  /** How many entries the feed had before the cap. */
  total: number;
}

type Loose = Record<string, unknown>;
const text = (v: unknown): string | null => {
  if (typeof v === 'string') return v.trim() || null;
  if (v && typeof v === 'object' && 'value' in v) return text((v as Loose).value);
  return null;
};
const address = (v: unknown, base: string): string | null => httpUrl(text(v), base) ?? null;

function entryOf(item: Loose, format: string, base: string): FeedEntry | null {
  let url: string | null = null;
  let id: string | null = null;
  let updated: string | null = null;
  if (format === 'atom') {
    const links = (Array.isArray(item.links) ? item.links : []) as Loose[];
    const alternate = links.find((l) => !l.rel || l.rel === 'alternate') ?? links[0];
    url = alternate ? address(alternate.href, base) : null;
    id = text(item.id);
    updated = text(item.updated) ?? text(item.published);
  } else if (format === 'json') {
    url = address(item.url, base) ?? address(item.external_url, base);
    id = text(item.id);
    updated = text(item.date_modified) ?? text(item.date_published);
  } else {
    const guid = item.guid as Loose | string | undefined;
    const guidValue = text(guid);
    const permalink = guid && typeof guid === 'object' ? guid.isPermaLink !== false : true;
    url = address(item.link, base) ?? (permalink ? address(guidValue, base) : null) ?? address((item.rdf as Loose | undefined)?.about, base);
    id = guidValue;
    const dc = item.dc as Loose | undefined;
    updated = text(item.pubDate) ?? text(dc?.date);
  }
  if (!url) return null;
  const title = text(item.title);
  return { key: id ?? url, url, title, updated, fingerprint: `${updated ?? ''}|${title ?? ''}` };
}

/** Parses a feed; throws FeedError when the bytes are not one. `max`: how many of the newest entries to keep. */
export function parseFeedBytes(body: Buffer, base: string, max: number): ParsedFeed {
  let parsed: { format: string; feed: Loose };
  try {
    parsed = parseFeed(body.toString('utf8')) as unknown as { format: string; feed: Loose };
  } catch {
    throw new FeedError('it is not a feed (RSS, Atom or JSON Feed)');
  }
  const { format, feed } = parsed;
  const items = ((format === 'atom' ? feed.entries : feed.items) ?? []) as Loose[];
  const seen = new Set<string>();
  const entries: FeedEntry[] = [];
  for (const item of items) {
    const e = entryOf(item, format, base);
    if (!e || seen.has(e.key)) continue;
    seen.add(e.key);
    entries.push(e);
  }
  // Newest first where dates say so (a stable sort keeps the feed's own order among equals).
  const time = (e: FeedEntry) => (e.updated ? Date.parse(e.updated) : NaN);
  if (entries.some((e) => !Number.isNaN(time(e)))) entries.sort((a, b) => (Number.isNaN(time(b)) ? -1 : Number.isNaN(time(a)) ? 1 : time(b) - time(a)));
  return { format, title: text(feed.title), entries: entries.slice(0, max), total: entries.length };
}
