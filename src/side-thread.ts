// A function run on a second thread, so that its work overlaps with the main thread's: a question's slow
// parts (the keyword engine's query in a large store, the parser that finds names) run beside the vector
// search instead of after it. The thread's code is a short CommonJS body evaluated in the worker; the
// modules it needs are passed as absolute paths, so the same code runs from the TypeScript sources, the
// bundle and the tests (a worker file on disk would have a different path in each, which is also why this
// is not piscina, whose workers are files). Whatever goes wrong on the thread — it cannot start, throws,
// or exits — the call is answered by `fallback` on the main thread instead: slower, never wrong.
import { Worker } from 'node:worker_threads';

export interface SideThread<In, Out> {
  run(input: In): Promise<Out>;
  close(): Promise<void>;
}

/**
 * `body` is the body of a function of `require` and `data` that returns the handler, `(input) => output`;
 * input and output cross threads by structured clone. `fallback` must compute the same output.
 */
export function sideThread<In, Out>(body: string, data: unknown, fallback: (input: In) => Out | Promise<Out>): SideThread<In, Out> {
  const source = `
    const { parentPort, workerData } = require('node:worker_threads');
    const handle = new Function('require', 'data', ${JSON.stringify(body)})(require, workerData);
    parentPort.on('message', ({ id, input }) => {
      let reply;
      try { reply = { id, output: handle(input) }; } catch (err) { reply = { id, error: String(err && err.message || err) }; }
      parentPort.postMessage(reply);
    });`;
  const pending = new Map<number, { input: In; resolve: (v: Out | Promise<Out>) => void }>();
  let next = 0;
  let worker: Worker | null = null;
  const settleAll = () => {
    for (const [id, p] of pending) {
      pending.delete(id);
      p.resolve(fallback(p.input));
    }
  };
  const stop = () => {
    worker = null;
    settleAll();
  };
  try {
    worker = new Worker(source, { eval: true, workerData: data });
    worker.unref(); // an idle thread never keeps the process alive; a busy one does (see run)
    worker.on('message', (m: { id: number; output?: Out; error?: string }) => {
      const p = pending.get(m.id);
      if (!p) return;
      pending.delete(m.id);
      p.resolve(m.error === undefined ? (m.output as Out) : fallback(p.input));
      if (!pending.size) worker?.unref();
    });
    worker.on('error', stop);
    worker.on('exit', stop);
  } catch {
    worker = null;
  }
  return {
    run(input) {
      if (!worker) return Promise.resolve(fallback(input));
      const id = next++;
      return new Promise<Out>((resolve) => {
        pending.set(id, { input, resolve });
        worker!.ref();
        worker!.postMessage({ id, input });
      });
    },
    async close() {
      const w = worker;
      worker = null;
      if (w) await w.terminate();
      settleAll();
    },
  };
}
