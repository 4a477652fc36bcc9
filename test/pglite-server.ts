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
keepBatchesWhole(server);
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

/**
 * pglite-socket (0.2.17) shares one session among all connections and takes their messages one at a time,
 * keeping a connection's turn only inside a transaction. A Parse/Bind/Execute/Sync batch outside one can
 * then interleave with another connection's and bind to its statement, and a message that throws leaves
 * the queue stalled for good (electric-sql/pglite#1046, open). Real PostgreSQL gives each connection its
 * own session; this keeps a connection's turn until its batch ends, so the suite tests the product, not that.
 */
function keepBatchesWhole(s: PGLiteSocketServer): void {
  interface Queued { handlerId: number; message: Uint8Array; resolve(bytes: number): void; reject(err: unknown): void; onData(d: Uint8Array): void }
  interface Queue { queue: Queued[]; processing: boolean; lastHandlerId: number | null; processQueue(): Promise<void>; clearQueueForHandler(id: number): void }
  const q = (s as unknown as { queryQueue: Queue }).queryQueue;
  // Extended-protocol messages that leave a batch open until the connection's Sync.
  const opensBatch = new Set([...'PBDEHC'].map((c) => c.charCodeAt(0)));
  let batchOf: number | null = null;
  q.processQueue = async function (this: Queue) {
    if (this.processing) return;
    this.processing = true;
    try {
      while (this.queue.length) {
        const turn = batchOf ?? (db.isInTransaction() ? this.lastHandlerId : null);
        const i = turn === null ? 0 : this.queue.findIndex((m) => m.handlerId === turn);
        if (i < 0) break; // the connection whose turn it is has not sent its next message yet
        const [m] = this.queue.splice(i, 1);
        let bytes = 0;
        try {
          await db.runExclusive(() => db.execProtocolRawStream(m.message, { onRawData: (d) => ((bytes += d.length), m.onData(d)) }));
        } catch (err) {
          m.reject(err);
          continue;
        }
        this.lastHandlerId = m.handlerId;
        batchOf = opensBatch.has(m.message[0]) ? m.handlerId : null;
        m.resolve(bytes);
      }
    } finally {
      this.processing = false;
    }
  };
  const clear = q.clearQueueForHandler.bind(q);
  q.clearQueueForHandler = (id: number) => {
    clear(id);
    if (batchOf === id) batchOf = null; // a connection that went away mid-batch gives up its turn
    void q.processQueue();
  };
}
