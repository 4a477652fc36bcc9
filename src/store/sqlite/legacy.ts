// Verbatim before the database kept its index as "generation" folders (embeddings/CURRENT → gen-N/ with
// manifest.json, passages.json and index.hnsw). On the first start of the database, the vectors of the
// current generation are imported under their passage-text hashes, so the next update re-reads the articles
// but embeds nothing it had embedded before. The old files are left in place, with a note saying so.
import fs from 'node:fs';
import path from 'node:path';
import type Database from 'better-sqlite3';
import hnswlib from 'hnswlib-node';
import { vectorToBytes } from '../types.js';

interface LegacyManifest {
  modelId: string;
  dims: number;
  chunkerVersion: string;
  maxTokens: number;
}

/** Imports a legacy generation once; returns the log line to show, or null when there was nothing to do. */
export function importLegacy(dir: string, db: Database.Database): string | null {
  let gen: string;
  try {
    gen = fs.readFileSync(path.join(dir, 'CURRENT'), 'utf8').trim();
  } catch {
    return null;
  }
  if (!/^gen-\d+$/.test(gen)) return null;
  if (db.prepare("SELECT 1 FROM meta WHERE key = 'legacy_import'").get()) return null;
  const genDir = path.join(dir, gen);
  const note = (outcome: string) => {
    db.prepare("INSERT INTO meta (key, value) VALUES ('legacy_import', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value").run(`${gen}: ${outcome}`);
  };
  try {
    const manifest = JSON.parse(fs.readFileSync(path.join(genDir, 'manifest.json'), 'utf8')) as LegacyManifest;
    const passages = JSON.parse(fs.readFileSync(path.join(genDir, 'passages.json'), 'utf8')) as ({ label: number; hash: string } | null)[];
    const hnsw = new hnswlib.HierarchicalNSW('cosine', manifest.dims);
    hnsw.readIndexSync(path.join(genDir, 'index.hnsw'));
    const insert = db.prepare('INSERT OR IGNORE INTO vectors (model, hash, vector) VALUES (?, ?, ?)');
    let n = 0;
    db.transaction(() => {
      if (!db.prepare("SELECT 1 FROM meta WHERE key = 'model_id'").get()) {
        const set = db.prepare('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value');
        set.run('model_id', manifest.modelId);
        set.run('dims', String(manifest.dims));
        // The old chunker's passages are re-made by the current one on the next update; vectors of the
        // passages that come out the same are found by hash.
        set.run('chunker_version', manifest.chunkerVersion);
        set.run('max_tokens', String(manifest.maxTokens));
      }
      for (const p of passages) {
        if (!p) continue;
        insert.run(manifest.modelId, p.hash, vectorToBytes(Float32Array.from(hnsw.getPoint(p.label))));
        n++;
      }
      note(`imported ${n} vectors`);
    }).immediate();
    // That layout kept no sentence vectors: the next index computes them (each passage embedded once more).
    return `Imported ${n} vectors (${manifest.modelId}) from the previous index layout in ${genDir}; the next index embeds the passages once more for their sentence vectors. The old files are left in place and can be deleted.`;
  } catch (err) {
    note(`not imported: ${(err as Error).message}`);
    return `The previous index layout in ${genDir} could not be imported (${(err as Error).message}); the articles will be embedded again.`;
  }
}
