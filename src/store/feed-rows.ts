// Feed records as both drivers read them from their tables (the same columns in SQLite and PostgreSQL).
import type { FeedEntryRecord, FeedRecord, FeedState } from './types.js';

/** A feed's columns, selected from `feeds f JOIN libraries l`. */
export const FEED_COLUMNS = `f.id, l.key AS library, f.url, f.site, f.title, f.channel_id, f.etag, f.last_modified, f.created_at, f.checked_at, f.next_at, f.failures, f.last_error`;

const STATE_COLUMNS: Record<keyof FeedState, string> = { title: 'title', etag: 'etag', lastModified: 'last_modified', checkedAt: 'checked_at', nextAt: 'next_at', failures: 'failures', lastError: 'last_error' };

/** The columns a state change sets, with their values in the same order; fields left undefined are not changed. */
export function feedChanges(state: FeedState): { columns: string[]; values: (string | number | null)[] } {
  const keys = (Object.keys(state) as (keyof FeedState)[]).filter((k) => state[k] !== undefined);
  return { columns: keys.map((k) => STATE_COLUMNS[k]), values: keys.map((k) => state[k] ?? null) };
}

export interface FeedRow {
  id: number | string;
  library: string;
  url: string;
  site: string | null;
  title: string | null;
  channel_id: string | null;
  etag: string | null;
  last_modified: string | null;
  created_at: string;
  checked_at: string | null;
  next_at: string;
  failures: number | string;
  last_error: string | null;
}

export interface EntryRow {
  key: string;
  url: string;
  fingerprint: string;
  status: string;
  file: string | null;
  reason: string | null;
  seen_at: string;
}

export function toFeed(r: FeedRow): FeedRecord {
  return {
    id: Number(r.id),
    library: r.library,
    url: r.url,
    site: r.site,
    title: r.title,
    channelId: r.channel_id,
    etag: r.etag,
    lastModified: r.last_modified,
    createdAt: r.created_at,
    checkedAt: r.checked_at,
    nextAt: r.next_at,
    failures: Number(r.failures),
    lastError: r.last_error,
  };
}

export function toEntry(r: EntryRow): FeedEntryRecord {
  return { key: r.key, url: r.url, fingerprint: r.fingerprint, status: r.status as FeedEntryRecord['status'], file: r.file, reason: r.reason, seenAt: r.seen_at };
}
