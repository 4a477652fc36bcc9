// The embedded store's feed state (feeds/): the feeds each library follows and what became of their
// entries, in small transactions of their own (state, not articles).
import type Database from 'better-sqlite3';
import { FEED_COLUMNS, feedChanges, toEntry, toFeed, type EntryRow, type FeedRow } from '../feed-rows.js';
import type { Catalog } from './catalog.js';
import type { Writer } from './writes.js';
import type { Store } from '../types.js';

export type FeedMethods = Pick<Store, 'feeds' | 'addFeed' | 'updateFeed' | 'removeFeed' | 'feedEntries' | 'saveFeedEntries' | 'feedArticlesSince'>;

export function feedStore(w: Database.Database, cat: Catalog, write: Writer): FeedMethods {
  const fq = {
    allFeeds: w.prepare(`SELECT ${FEED_COLUMNS} FROM feeds f JOIN libraries l ON l.id = f.library_id ORDER BY f.id`),
    feedsIn: w.prepare(`SELECT ${FEED_COLUMNS} FROM feeds f JOIN libraries l ON l.id = f.library_id WHERE f.library_id IN (SELECT value FROM json_each(?)) ORDER BY f.id`),
    feed: w.prepare(`SELECT ${FEED_COLUMNS} FROM feeds f JOIN libraries l ON l.id = f.library_id WHERE f.id = ?`),
    addFeed: w.prepare('INSERT INTO feeds (library_id, url, site, title, channel_id, created_at, next_at) VALUES (?, ?, ?, ?, ?, ?, ?)'),
    entries: w.prepare('SELECT * FROM feed_entries WHERE feed_id = ?'),
    entriesByKey: w.prepare('SELECT * FROM feed_entries WHERE feed_id = ? AND key IN (SELECT value FROM json_each(?))'),
    saveEntry: w.prepare(`INSERT INTO feed_entries (feed_id, key, url, fingerprint, status, file, reason, seen_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
      ON CONFLICT (feed_id, key) DO UPDATE SET url = excluded.url, fingerprint = excluded.fingerprint, status = excluded.status, file = excluded.file,
        reason = excluded.reason, seen_at = excluded.seen_at`),
    indexedSince: w.prepare(`SELECT COUNT(*) AS n FROM feed_entries e JOIN feeds f ON f.id = e.feed_id JOIN libraries l ON l.id = f.library_id
      WHERE l.key = ? AND e.status = 'indexed' AND e.seen_at >= ?`),
  };
  return {
    async feeds(scope) {
      const rows = (scope ? fq.feedsIn.all(JSON.stringify(cat.scopeIds(scope))) : fq.allFeeds.all()) as FeedRow[];
      return rows.map(toFeed);
    },
    async addFeed(feed) {
      const id = w.transaction(() => {
        const libraryId = write.libraryIdFor(feed.library, true);
        return Number(fq.addFeed.run(libraryId, feed.url, feed.site, feed.title, feed.channelId, new Date().toISOString(), feed.nextAt).lastInsertRowid);
      }).immediate();
      cat.reload();
      return toFeed(fq.feed.get(id) as FeedRow);
    },
    async updateFeed(id, state) {
      const { columns, values } = feedChanges(state);
      if (!columns.length) return;
      w.prepare(`UPDATE feeds SET ${columns.map((c) => `${c} = ?`).join(', ')} WHERE id = ?`).run(...values, id);
    },
    async removeFeed(id) {
      w.transaction(() => {
        w.prepare('DELETE FROM feed_entries WHERE feed_id = ?').run(id);
        w.prepare('DELETE FROM feeds WHERE id = ?').run(id);
      }).immediate();
    },
    async feedEntries(feedId, keys) {
      const rows = (keys ? fq.entriesByKey.all(feedId, JSON.stringify(keys)) : fq.entries.all(feedId)) as EntryRow[];
      return new Map(rows.map((r) => [r.key, toEntry(r)]));
    },
    async saveFeedEntries(feedId, entries) {
      w.transaction(() => {
        for (const e of entries) fq.saveEntry.run(feedId, e.key, e.url, e.fingerprint, e.status, e.file, e.reason, e.seenAt);
      }).immediate();
    },
    async feedArticlesSince(library, since) {
      return (fq.indexedSince.get(library, since) as { n: number }).n;
    },
  };
}
