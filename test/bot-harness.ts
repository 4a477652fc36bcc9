// A running bot (real discord.js client) wired to a fake Discord on 127.0.0.1, with helpers to send it
// interactions and read what it answered.
import fs from 'node:fs';
import path from 'node:path';
import { loadConfig, type Config } from '../src/config.js';
import { closeEngine, openEngine, reindex } from '../src/engine.js';
import type { IndexSummary } from '../src/index/update.js';
import { startBot, type RunningBot } from '../src/bot/run.js';
import { createRateLimiter } from '../src/bot/ratelimit.js';
import { createLogger } from '../src/log.js';
import { FakeDiscord, slash, type Call } from './fake-discord.js';
import { SEED_CORPUS, testStore, tmp } from './helpers.js';

export const TOKEN = 'test-token-SECRET-abc123';

export interface Harness {
  fake: FakeDiscord;
  bot: RunningBot;
  config: Config;
  logFile: string;
  freshUser(): string;
  interact(payload: { id: string; token: string }): Promise<Call[]>;
  ask(question: string, extra?: unknown[], opts?: Parameters<typeof slash>[2]): Promise<Call[]>;
  /** Re-reads the corpus folder (the shared library) through the bot's own writer. */
  reindexShared(): Promise<IndexSummary>;
  stop(): Promise<void>;
}

/** The message the user finally sees for an interaction: the reply, or the edit of a deferred one. */
export function finalMessage(calls: Call[]): { content?: string; embeds?: any[]; flags?: number; allowed_mentions?: any; components?: any[] } {
  const edit = [...calls].reverse().find((c) => c.method === 'PATCH' && c.status < 300);
  if (edit) return edit.body;
  return calls.find((c) => c.status < 300)?.body.data ?? calls[0].body.data;
}

let userSeq = 0;

export async function startHarness(opts: { env?: Record<string, string>; guilds?: string[]; feedCheckEveryMs?: number } = {}): Promise<Harness> {
  const fake = new FakeDiscord();
  if (opts.guilds) fake.guilds = opts.guilds;
  await fake.start();
  // In a folder of its own: the upload tests check that nothing is written beside the corpus, and the
  // system's temporary folder is shared with every test file running at the same time.
  const corpus = path.join(tmp('verbatim-bot-'), 'corpus');
  fs.cpSync(SEED_CORPUS, corpus, { recursive: true });
  const store = await testStore();
  const config = loadConfig({
    ...process.env,
    CORPUS_DIR: corpus,
    ...store.env,
    DISCORD_TOKEN: TOKEN,
    DISCORD_API_URL: fake.apiUrl,
    DISCORD_GUILD_ID: '200000000000000002',
    LOG_LEVEL: 'info',
    ...opts.env,
  });
  const logFile = path.join(tmp('verbatim-bot-log-'), 'bot.log');
  const engine = openEngine(config, {});
  await engine;
  const bot = startBot(config, { engine, log: createLogger('info', logFile), limiter: createRateLimiter(5, 30_000), feedCheckEveryMs: opts.feedCheckEveryMs });
  await bot.online;

  const freshUser = () => `7${String(Date.now() % 1e9).padStart(9, '0')}${String(1000 + ++userSeq).padStart(8, '0')}`;
  async function interact(payload: { id: string; token: string }): Promise<Call[]> {
    const since = fake.calls.length;
    fake.dispatch('INTERACTION_CREATE', payload);
    const first = await fake.waitFor((c) => c.path.startsWith(`/interactions/${payload.id}/`) && c.status < 300, 30_000, since);
    // A deferred reply (type 5) is followed by an edit of the original message.
    if (first.body?.type === 5) await fake.waitFor((c) => c.method === 'PATCH' && c.path.includes(payload.token) && c.status < 300, 60_000, since);
    return fake.calls.slice(since).filter((c) => c.path.includes(payload.id) || c.path.includes(payload.token));
  }
  return {
    fake,
    bot,
    config,
    logFile,
    freshUser,
    interact,
    ask: (question, extra = [], opts = {}) => interact(slash('ask', [{ name: 'question', type: 3, value: question }, ...extra], { userId: freshUser(), ...opts })),
    reindexShared: () => bot.ctx.write((e, signal) => reindex(e, { signal })),
    async stop() {
      await bot.stop();
      await fake.stop();
      await closeEngine(await engine);
    },
  };
}
