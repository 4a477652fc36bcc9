// SIGTERM and SIGINT end the bot within seconds in every state: connected, reconnecting to a gateway that
// is down, and in the middle of indexing, where the update is stopped before its commit and the store
// keeps its previous state, whole.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SHARED } from '../src/store/types.js';
import { FakeDiscord } from './fake-discord.js';
import { ROOT, SEED_CORPUS, testStore, tmp, writeFiles, type TestStore } from './helpers.js';

const CLI = path.join(ROOT, 'bin/verbatim.mjs');
const fakes: FakeDiscord[] = [];
afterEach(async () => {
  for (const f of fakes.splice(0)) await f.stop();
});

function articles(n: number): Record<string, string> {
  const files: Record<string, string> = {};
  for (let i = 0; i < n; i++) {
    const paras = Array.from({ length: 12 }, (_, j) => `Dispatch ${i}-${j}: the provincial council of district ${i} debated the budget for school ${j} and a bridge over the river with ${i + j} spans.`);
    files[`dispatch-${String(i).padStart(3, '0')}.txt`] = `Council dispatch ${i}\n\n${paras.join('\n\n')}\n`;
  }
  return files;
}

async function startBot(corpus: string, store: TestStore) {
  const fake = new FakeDiscord();
  fakes.push(fake);
  await fake.start();
  const child = spawn(process.execPath, [CLI, 'bot'], {
    env: { ...process.env, CORPUS_DIR: corpus, ...store.env, DISCORD_TOKEN: 'test-token', DISCORD_API_URL: fake.apiUrl, DISCORD_GUILD_ID: '200000000000000002', LOG_LEVEL: 'info' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let log = '';
  child.stderr.on('data', (d) => (log += d));
  const exited = new Promise<{ code: number | null; at: number }>((r) => child.once('exit', (code) => r({ code, at: Date.now() })));
  const until = async (re: RegExp, ms = 60_000) => {
    const end = Date.now() + ms;
    while (!re.test(log) && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
    expect(log).toMatch(re);
  };
  const stop = async (signal: NodeJS.Signals) => {
    const sent = Date.now();
    child.kill(signal);
    const { code, at } = await Promise.race([exited, new Promise<{ code: null; at: number }>((r) => setTimeout(() => r({ code: null, at: Infinity }), 20_000))]);
    if (at === Infinity) child.kill('SIGKILL');
    return { code, seconds: (at - sent) / 1000 };
  };
  return { fake, child, until, stop, log: () => log };
}

describe('stopping the bot', () => {
  it('SIGTERM while connected: ends within seconds', async () => {
    const bot = await startBot(SEED_CORPUS, await testStore());
    await bot.until(/"msg":"online"/);
    await bot.until(/answering questions/);
    const { code, seconds } = await bot.stop('SIGTERM');
    expect(code).toBe(0);
    expect(seconds).toBeLessThan(6);
  }, 90_000);

  it('SIGINT while the gateway is down and the client keeps reconnecting: ends within seconds', async () => {
    const bot = await startBot(SEED_CORPUS, await testStore());
    await bot.until(/"msg":"online"/);
    bot.fake.gatewayDown = true;
    bot.fake.disconnectAll(4000);
    await new Promise((r) => setTimeout(r, 2500));
    const { code, seconds } = await bot.stop('SIGINT');
    expect(code).toBe(0);
    expect(seconds).toBeLessThan(6);
  }, 90_000);

  it('SIGTERM in the middle of indexing: ends within seconds, nothing half-written, the next start completes', async () => {
    const corpus = tmp('verbatim-stop-corpus-');
    fs.cpSync(SEED_CORPUS, corpus, { recursive: true });
    writeFiles(corpus, articles(120));
    const ts = await testStore();
    const bot = await startBot(corpus, ts);
    await bot.until(/"msg":"online"/);
    await new Promise((r) => setTimeout(r, 1500));
    expect(bot.log()).not.toMatch(/Indexed \d+ files/); // still indexing
    const { code, seconds } = await bot.stop('SIGTERM');
    expect(code).toBe(0);
    expect(seconds).toBeLessThan(6);
    const store = await ts.open();
    expect(await store.articles([SHARED])).toEqual([]); // stopped before its commit
    expect((await store.check()).ok).toBe(true);
    const again = await startBot(corpus, ts);
    await again.until(/Indexed 125 files/, 120_000);
    expect((await again.stop('SIGTERM')).code).toBe(0);
  }, 240_000);
});
