// Feed records as both drivers read them from their tables (the same columns in SQLite and PostgreSQL).
import type { FeedEntryRecord, FeedRecord } from './types.js';

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
  etag: string | null;
  last_modified: string | null;
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
  return { key: r.key, url: r.url, fingerprint: r.fingerprint, status: r.status as FeedEntryRecord['status'], file: r.file, reason: r.reason, etag: r.etag, lastModified: r.last_modified, seenAt: r.seen_at };
}
