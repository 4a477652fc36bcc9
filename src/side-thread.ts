// Functions run on another thread, so that their work overlaps with the main thread's: a question's slow
// part (the keyword engine's query in a large store) runs beside the vector search instead of after it.
// The thread's code is a short CommonJS body evaluated in the worker; the modules it needs are passed as
// absolute paths, so the same code runs from the TypeScript sources, the bundle and the tests (a worker
// file on disk would have a different path in each, which is also why this is not piscina, whose workers
// are files). Whatever goes wrong on the thread — it cannot start, throws, or exits — the call is answered
// by `fallback` on the main thread instead: slower, never wrong.
//
// The functions share a pool of one thread fewer than the machine has cores. With a thread each, a
// question on two cores ran three threads at once: beside a second function (a name tagger, since
// replaced), the keyword query waited 1.6 ms for a turn and then ran at half speed.
import os from 'node:os';
import { Worker } from 'node:worker_threads';

export interface SideThread<In, Out> {
  run(input: In): Promise<Out>;
  /** Stops the function (and what it opened, see sideThread); the thread ends with the last one. */
  close(): Promise<void>;
}

const SOURCE = `
  const { parentPort } = require('node:worker_threads');
  const handlers = new Map();
  parentPort.on('message', (m) => {
    if (m.define !== undefined) {
      let handle = null; // a function that cannot start answers every call with an error
      try { handle = new Function('require', 'data', m.body)(require, m.data); } catch {}
      handlers.set(m.define, handle);
      return;
    }
    if (m.undefine !== undefined) {
      const handle = handlers.get(m.undefine);
      handlers.delete(m.undefine);
      try { if (handle && handle.close) handle.close(); } catch {}
      parentPort.postMessage({ closed: m.undefine });
      return;
    }
    let reply;
    try {
      const handle = handlers.get(m.handler);
      if (!handle) throw new Error('the function did not start');
      reply = { id: m.id, output: handle(m.input) };
    } catch (err) {
      reply = { id: m.id, error: String((err && err.message) || err) };
    }
    parentPort.postMessage(reply);
  });`;

interface Call {
  resolve: (v: unknown) => void;
  fallback: () => unknown;
}

interface PoolThread {
  worker: Worker | null;
  calls: Map<number, Call>;
  closing: Map<number, () => void>;
  handlers: number;
}

const pool: (PoolThread | undefined)[] = [];
let nextCall = 0;
let nextHandler = 0;

function poolSize(): number {
  return Math.max(1, (os.availableParallelism?.() ?? os.cpus().length) - 1);
}

function startThread(slot: number): PoolThread {
  const t: PoolThread = { worker: null, calls: new Map(), closing: new Map(), handlers: 0 };
  const settleAll = () => {
    t.worker = null;
    for (const [id, c] of t.calls) {
      t.calls.delete(id);
      c.resolve(c.fallback());
    }
    for (const done of t.closing.values()) done();
    t.closing.clear();
    if (pool[slot] === t) pool[slot] = undefined; // the next function to start gets a new thread
  };
  try {
    const worker = new Worker(SOURCE, { eval: true });
    worker.unref(); // an idle thread never keeps the process alive; a busy one does (see run)
    worker.on('message', (m: { id?: number; output?: unknown; error?: string; closed?: number }) => {
      if (m.closed !== undefined) {
        t.closing.get(m.closed)?.();
        t.closing.delete(m.closed);
      } else if (m.id !== undefined) {
        const c = t.calls.get(m.id);
        if (!c) return;
        t.calls.delete(m.id);
        c.resolve(m.error === undefined ? m.output : c.fallback());
      }
      if (!t.calls.size && !t.closing.size) worker.unref();
    });
    worker.on('error', settleAll);
    worker.on('exit', settleAll);
    t.worker = worker;
  } catch {
    t.worker = null;
  }
  pool[slot] = t;
  return t;
}

/**
 * `body` is the body of a function of `require` and `data` that returns the handler, `(input) => output`;
 * input and output cross threads by structured clone. `fallback` must compute the same output. A handler
 * that holds something open (a database connection) has a `close` method, called when it is closed.
 */
export function sideThread<In, Out>(body: string, data: unknown, fallback: (input: In) => Out | Promise<Out>): SideThread<In, Out> {
  const handler = nextHandler++;
  const slot = handler % poolSize();
  let t: PoolThread | null = pool[slot]?.worker ? pool[slot]! : startThread(slot);
  t.handlers++;
  t.worker?.postMessage({ define: handler, body, data });
  return {
    run(input) {
      const w = t?.worker;
      if (!t || !w) return Promise.resolve(fallback(input));
      const id = nextCall++;
      const calls = t.calls;
      return new Promise<Out>((resolve) => {
        calls.set(id, { resolve: resolve as (v: unknown) => void, fallback: () => fallback(input) });
        w.ref();
        w.postMessage({ handler, id, input });
      });
    },
    async close() {
      const thread = t;
      t = null;
      if (!thread) return;
      const w = thread.worker;
      if (w) {
        // Answered after every call sent before it, once the handler has closed what it opened.
        await new Promise<void>((resolve) => {
          thread.closing.set(handler, resolve);
          w.ref();
          w.postMessage({ undefine: handler });
        });
      }
      if (--thread.handlers === 0 && thread.worker) {
        const last = thread.worker;
        thread.worker = null;
        if (pool[slot] === thread) pool[slot] = undefined;
        await last.terminate();
      }
    },
  };
}
