// `verbatim doctor` on the embedded store: the database's structure, the keyword index, the counts kept
// beside the passages, the stored vectors and term statistics, and every library's vector graph against
// the passages it should hold.
import type Database from 'better-sqlite3';
import type { Graph } from './hnsw.js';
import type { CheckReport, IndexSettings } from '../types.js';

export interface CheckContext {
  w: Database.Database;
  r: Database.Database;
  graphs: ReadonlyMap<number, Graph>;
  refresh(): Promise<void>;
  readSettings(): IndexSettings | null;
  libraryIds(): ReadonlyMap<string, number>;
}

export async function checkSqlite(c: CheckContext): Promise<CheckReport> {
  const lines: string[] = [];
  let ok = true;
  const fact = (good: boolean, line: string) => {
    ok &&= good;
    lines.push(`${good ? 'ok  ' : 'FAIL'} ${line}`);
  };
  const quick = c.r.pragma('quick_check', { simple: true }) as string;
  fact(quick === 'ok', `database structure (quick_check: ${quick})`);
  try {
    c.w.prepare("INSERT INTO passages_fts (passages_fts, rank) VALUES ('integrity-check', 0)").run();
    fact(true, 'keyword index structure');
  } catch (err) {
    fact(false, `keyword index structure: ${(err as Error).message}`);
  }
  const settings = c.readSettings();
  fact(settings !== null || (c.r.prepare('SELECT COUNT(*) AS n FROM passages').get() as { n: number }).n === 0, `index settings: ${settings ? `${settings.modelId}, ${settings.dims} dimensions, chunker ${settings.chunkerVersion}` : 'none yet'}`);
  const passages = (c.r.prepare('SELECT COUNT(*) AS n FROM passages').get() as { n: number }).n;
  const fts = (c.r.prepare('SELECT COUNT(*) AS n FROM passages_fts').get() as { n: number }).n;
  fact(fts === passages, `keyword index rows ${fts} = passages ${passages}`);
  const perArticle = (c.r.prepare('SELECT COALESCE(SUM(passages), 0) AS n FROM articles').get() as { n: number }).n;
  fact(perArticle === passages, `articles' passage counts add up to ${perArticle}`);
  const perLibrary = (c.r.prepare('SELECT COALESCE(SUM(passages), 0) AS n FROM libraries').get() as { n: number }).n;
  fact(perLibrary === passages, `libraries' passage counts add up to ${perLibrary}`);
  const drift = (c.r.prepare(`SELECT COUNT(*) AS n FROM libraries l WHERE articles <> (SELECT COUNT(*) FROM articles a WHERE a.library_id = l.id)
    OR bytes <> (SELECT COALESCE(SUM(a.size), 0) FROM articles a WHERE a.library_id = l.id)`).get() as { n: number }).n;
  fact(drift === 0, `libraries' article counts and sizes match their articles (${drift} differ)`);
  if (settings) {
    const missing = (c.r.prepare('SELECT COUNT(*) AS n FROM passages p WHERE NOT EXISTS (SELECT 1 FROM vectors v WHERE v.model = ? AND v.hash = p.hash)').get(settings.modelId) as { n: number }).n;
    fact(missing === 0, `every passage has a stored vector (${missing} missing)`);
    const dfDrift = c.r
      .prepare(`SELECT COUNT(*) AS n FROM (SELECT p.library_id, j.value AS term, COUNT(DISTINCT p.id) AS df FROM passages p, json_each('["' || replace(p.terms, ' ', '","') || '"]') j
        WHERE p.terms <> '' GROUP BY p.library_id, j.value) x LEFT JOIN term_df t ON t.library_id = x.library_id AND t.term = x.term WHERE t.df IS NOT x.df`)
      .get() as { n: number };
    fact(dfDrift.n === 0, `term statistics match the passages (${dfDrift.n} terms differ)`);
    await c.refresh();
    for (const [key, id] of c.libraryIds()) {
      const ids = (c.r.prepare('SELECT id FROM passages WHERE library_id = ?').all(id) as { id: number }[]).map((x) => x.id);
      const g = c.graphs.get(id);
      if (!g) {
        fact(ids.length === 0, `library "${key}": vector index present`);
        continue;
      }
      let absent = 0;
      for (const pid of ids) {
        try {
          g.hnsw.getPoint(pid);
        } catch {
          absent++;
        }
      }
      fact(g.live === ids.length && absent === 0, `library "${key}": vector index holds ${g.live} of ${ids.length} passages (${absent} missing)`);
    }
  }
  return { ok, lines };
}
