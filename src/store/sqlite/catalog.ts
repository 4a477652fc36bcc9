// What the embedded store's connections need to know at every read, cheaply: which library has which id,
// and the index settings (model, dimensions, chunker). Both are read again only after a commit of any
// process (SQLite's data_version changes with every commit another connection makes).
import type Database from 'better-sqlite3';
import type { IndexSettings, Scope } from '../types.js';

export interface Catalog {
  /** Library ids by key, as of the last reload. */
  ids(): ReadonlyMap<string, number>;
  reload(): void;
  /** The ids of the libraries in scope that exist (a server that never added an article has none). */
  scopeIds(scope: Scope): number[];
  /** Changes with every commit of any connection. */
  dataVersion(): number;
  /** The index settings as `db` sees them (the reader's are remembered until the next commit). */
  settings(db?: Database.Database): IndexSettings | null;
}

export function catalog(r: Database.Database, w: Database.Database): Catalog {
  const libraryIds = r.prepare('SELECT id, key FROM libraries');
  const meta = new Map([r, w].map((db) => [db, db.prepare('SELECT key, value FROM meta')]));
  const dataVersionOf = r.prepare('PRAGMA data_version').pluck(); // prepared once: pragma() prepares at every call
  const dataVersion = () => dataVersionOf.get() as number;

  let byKey = new Map<string, number>();
  let idsAt = -1;
  const reload = () => {
    idsAt = dataVersion();
    byKey = new Map((libraryIds.all() as { id: number; key: string }[]).map((x) => [x.key, x.id]));
  };
  reload();

  let settingsRead: { at: number; settings: IndexSettings | null } | null = null;
  return {
    ids: () => byKey,
    reload,
    dataVersion,
    scopeIds(scope) {
      // Most servers never add articles of their own: their library does not exist, and is looked for
      // again only after a commit.
      if (scope.some((k) => !byKey.has(k)) && dataVersion() !== idsAt) reload();
      return scope.map((k) => byKey.get(k)).filter((id): id is number => id !== undefined);
    },
    settings(db = w) {
      const at = db === r ? dataVersion() : -1;
      if (settingsRead && at >= 0 && settingsRead.at === at) return settingsRead.settings;
      const m = new Map((meta.get(db)!.all() as { key: string; value: string }[]).map((x) => [x.key, x.value]));
      const settings = m.has('model_id')
        ? { modelId: m.get('model_id')!, dims: Number(m.get('dims')), chunkerVersion: m.get('chunker_version')!, maxTokens: Number(m.get('max_tokens')) }
        : null;
      if (at >= 0) settingsRead = { at, settings };
      return settings;
    },
  };
}
