// For the PostgreSQL pass: one freshly initialised PGlite data directory (with pgvector created), dumped
// once, so that each test's server starts from it in about a second instead of running initdb again.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { vector } from '@electric-sql/pglite-pgvector';

export default async function setup(): Promise<() => void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'verbatim-pglite-'));
  const file = path.join(dir, 'initdb.tar');
  const db = await PGlite.create({ extensions: { vector } });
  await db.exec('CREATE EXTENSION IF NOT EXISTS vector');
  fs.writeFileSync(file, Buffer.from(await (await db.dumpDataDir('none')).arrayBuffer()));
  await db.close();
  process.env.VERBATIM_PGLITE_DUMP = file;
  return () => fs.rmSync(dir, { recursive: true, force: true });
}
