// Runs one PGlite server (Postgres in WebAssembly, with pgvector) on 127.0.0.1 in its own process, so
// that tests which wait synchronously on a child (spawnSync) never block the database. Prints its URL.
import fs from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import { vector } from '@electric-sql/pglite-pgvector';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';

// A dump of a fresh data directory (made once per test run) skips initdb.
const dump = process.env.VERBATIM_PGLITE_DUMP;
const db = await PGlite.create({ extensions: { vector }, ...(dump && fs.existsSync(dump) ? { loadDataDir: new Blob([fs.readFileSync(dump)]) } : {}) });
const server = new PGLiteSocketServer({ db, port: 0, host: '127.0.0.1', maxConnections: 200 });
await server.start();
process.stdout.write(`postgres://postgres:postgres@${server.getServerConn()}/postgres\n`);
const stop = async () => {
  await server.stop().catch(() => {});
  await db.close().catch(() => {});
  process.exit(0);
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
process.on('disconnect', stop);
