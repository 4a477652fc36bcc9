// Runs the product's commands as a user does, many times, and counts every run that did not end cleanly:
// a non-zero exit, a signal, or anything the C library, V8 or a sanitizer prints when memory goes wrong.
// Used by `npm run stress` (hundreds of runs) and by test/stress.test.ts (a few, in seconds).
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { FakeDiscord } from '../../test/fake-discord.js';

export const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..');
const CLI = path.join(ROOT, 'bin/verbatim.mjs');

/** What glibc, V8 and the sanitizers print when a process's memory is corrupt or it dies of a signal. */
export const NATIVE_CRASH =
  /tcache|free\(\)|double free|corrupted (?:size|double-linked|top size|unsorted)|malloc\(\)|malloc_consolidate|munmap_chunk|realloc\(\)|Segmentation fault|Fatal error in|Check failed|FATAL ERROR|Aborted|core dumped|stack smashing|AddressSanitizer|LeakSanitizer|==\d+==ERROR|Invalid (?:read|write|free)|Illegal instruction/i;

export type Kind = 'first' | 'warm' | 'batch' | 'chat' | 'index' | 'bot';
export const KINDS: Kind[] = ['first', 'warm', 'batch', 'chat', 'index', 'bot'];

export interface Outcome {
  kind: Kind;
  ok: boolean;
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Why it counts as abnormal (empty when ok). */
  why: string;
  stderr: string;
  ms: number;
}

export interface StressOptions {
  /** Extra environment for every run (e.g. LD_PRELOAD of a sanitizer's runtime). */
  env?: Record<string, string>;
  /** Questions asked per batch run. */
  batch?: number;
}

const QUESTIONS = [
  'What did the two sides agree to do about dioxin at Bien Hoa?',
  'When did Panetta visit the USNS Byrd?',
  'Who did Mark Esper hold talks with in Ha Noi?',
  'Which shipyard was refitting the American cargo ship?',
  'What is the boiling point of argon?',
];

function run(kind: Kind, args: string[], env: Record<string, string>, input?: string): Promise<Outcome> {
  const t = Date.now();
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd: ROOT, env: { ...process.env, LOG_LEVEL: 'warn', ...env }, stdio: ['pipe', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr = (stderr + d).slice(-20_000)));
    child.stdin.end(input ?? '');
    child.on('exit', (code, signal) => resolve(judge(kind, code, signal, stderr, Date.now() - t)));
  });
}

function judge(kind: Kind, code: number | null, signal: NodeJS.Signals | null, stderr: string, ms: number): Outcome {
  const crash = stderr.match(NATIVE_CRASH)?.[0];
  const why = signal ? `killed by ${signal}` : code !== 0 ? `exit code ${code}` : crash ? `printed "${crash}"` : '';
  return { kind, ok: !why, code, signal, why, stderr, ms };
}

/** A fresh folder holding a copy of the bundled corpus and an empty store. */
export function workspace(): { corpus: string; embeddings: string; remove: () => void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'verbatim-stress-'));
  const corpus = path.join(dir, 'corpus');
  fs.cpSync(path.join(ROOT, 'corpus'), corpus, { recursive: true });
  return { corpus, embeddings: path.join(dir, 'embeddings'), remove: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

/** Enough articles that indexing them uses the embedding helper processes (not the main thread alone). */
export function manyArticles(corpus: string, n: number): void {
  for (let i = 0; i < n; i++) {
    const paras = Array.from({ length: 6 }, (_, j) => `Dispatch ${i}-${j}: the council of district ${i} debated the budget for school ${j} and a bridge of ${i + j} spans.`);
    fs.writeFileSync(path.join(corpus, `dispatch-${i}.txt`), `Council dispatch ${i}\n\n${paras.join('\n\n')}\n`);
  }
}

/**
 * One run of a kind. `first`: a fresh store, indexed, one question answered, exit. `warm`: the same on a
 * store already indexed. `batch`: several questions on stdin in one process. `chat`: the interactive prompt, two questions and
 * "exit". `index`: a re-index of a
 * changed corpus large enough for the helper processes. `bot`: the bot started against a local Discord,
 * online and indexed, then stopped with SIGTERM (or SIGINT every other run).
 */
export async function runOnce(kind: Kind, ws: { corpus: string; embeddings: string }, i: number, opts: StressOptions = {}): Promise<Outcome> {
  const env = { CORPUS_DIR: ws.corpus, EMBEDDINGS_DIR: ws.embeddings, ...opts.env };
  const question = QUESTIONS[i % QUESTIONS.length];
  switch (kind) {
    case 'first':
      fs.rmSync(ws.embeddings, { recursive: true, force: true });
      return run(kind, ['ask', question], env);
    case 'warm':
      return run(kind, ['ask', question], env);
    case 'batch':
      return run(kind, ['ask', '--json'], env, Array.from({ length: opts.batch ?? 10 }, (_, k) => QUESTIONS[(i + k) % QUESTIONS.length]).join('\n') + '\n');
    case 'chat':
      return run(kind, ['chat'], env, `${question}\n${QUESTIONS[(i + 1) % QUESTIONS.length]}\nexit\n`);
    case 'index':
      fs.writeFileSync(path.join(ws.corpus, 'dispatch-0.txt'), `Council dispatch, version ${i}\n\n${Array.from({ length: 60 }, (_, j) => `Item ${i}-${j}: the council met about road ${j}.`).join('\n\n')}\n`);
      return run(kind, ['index'], env);
    case 'bot':
      return botRun(env, i % 2 ? 'SIGINT' : 'SIGTERM');
  }
}

async function botRun(env: Record<string, string>, signal: NodeJS.Signals): Promise<Outcome> {
  const fake = new FakeDiscord();
  await fake.start();
  const t = Date.now();
  try {
    return await new Promise<Outcome>((resolve) => {
      const child = spawn(process.execPath, [CLI, 'bot'], {
        cwd: ROOT,
        env: { ...process.env, ...env, DISCORD_TOKEN: 'stress-token', DISCORD_API_URL: fake.apiUrl, DISCORD_GUILD_ID: '200000000000000002', LOG_LEVEL: 'info' },
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      let stderr = '';
      let stopped = false;
      const stop = () => {
        if (stopped) return;
        stopped = true;
        child.kill(signal);
      };
      child.stderr.on('data', (d) => {
        stderr = (stderr + d).slice(-20_000);
        if (/answering questions/.test(stderr)) stop();
      });
      const limit = setTimeout(() => child.kill('SIGKILL'), 120_000);
      child.on('exit', (code, sig) => {
        clearTimeout(limit);
        const o = judge('bot', code, sig, stderr, Date.now() - t);
        resolve(stopped || !o.ok ? o : { ...o, ok: false, why: 'ended before it was stopped' });
      });
    });
  } finally {
    await fake.stop();
  }
}

export interface Tally {
  kind: Kind;
  runs: number;
  abnormal: Outcome[];
  medianMs: number;
}

/** `runs` runs of each kind, one after another, each kind in its own workspace (removed at the end). */
export async function stress(kinds: readonly Kind[], runs: number, opts: StressOptions & { onRun?: (o: Outcome, n: number) => void } = {}): Promise<Tally[]> {
  const out: Tally[] = [];
  for (const kind of kinds) {
    const ws = workspace();
    try {
      if (kind === 'index') manyArticles(ws.corpus, 20);
      if (kind !== 'first') {
        const setup = await runOnce('first', ws, 0, opts); // the store these runs start from
        if (!setup.ok) throw new Error(`setting up the ${kind} runs failed: ${setup.why}\n${setup.stderr}`);
      }
      const abnormal: Outcome[] = [];
      const times: number[] = [];
      for (let i = 0; i < runs; i++) {
        const o = await runOnce(kind, ws, i, opts);
        times.push(o.ms);
        if (!o.ok) abnormal.push(o);
        opts.onRun?.(o, i + 1);
      }
      times.sort((a, b) => a - b);
      out.push({ kind, runs, abnormal, medianMs: times[Math.floor(times.length / 2)] ?? 0 });
    } finally {
      ws.remove();
    }
  }
  return out;
}
