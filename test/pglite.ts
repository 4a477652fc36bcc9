// A real PostgreSQL engine for tests: PGlite (Postgres compiled to WebAssembly) with pgvector, served on
// 127.0.0.1 over the ordinary wire protocol, so the product reaches it with the same `pg` client it uses
// for a managed Postgres. It runs in a child process of its own (a test that waits on spawnSync would
// otherwise stall it); in memory, gone when stopped.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));

export interface PgliteServer {
  url: string;
  stop(): Promise<void>;
}

export async function startPglite(): Promise<PgliteServer> {
  // Liftoff only: V8's optimising compiler, working through Postgres's WebAssembly in the background, cost
  // more CPU than it saved for a server that lives one test file (PostgreSQL pass: about a fifth less CPU).
  const child = spawn(process.execPath, ['--liftoff-only', '--import', 'tsx', path.join(here, 'pglite-server.ts')], { stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      const line = out.split('\n').find((l) => l.startsWith('postgres://'));
      if (line) resolve(line.trim());
    });
    child.once('exit', (code) => reject(new Error(`the PGlite server exited (${code}) before it was ready`)));
  });
  return {
    url,
    async stop() {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    },
  };
}
