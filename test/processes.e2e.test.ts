// Many readers, one writer: two bot processes run on one store while `verbatim index` adds an article in a
// third process; both bots answer from it without a restart. Against the embedded store, and (in the
// PostgreSQL pass) against PostgreSQL.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { finalMessage } from './bot-harness.js';
import { FakeDiscord, slash } from './fake-discord.js';
import { ROOT, SEED_CORPUS, testStore, tmp } from './helpers.js';

const CLI = path.join(ROOT, 'bin/verbatim.mjs');
const children: ReturnType<typeof spawn>[] = [];
const fakes: FakeDiscord[] = [];
afterAll(async () => {
  for (const c of children) {
    if (c.exitCode !== null) continue;
    c.kill('SIGTERM');
    await new Promise((r) => c.once('exit', r));
  }
  for (const f of fakes) await f.stop();
});

async function ask(fake: FakeDiscord, question: string) {
  const payload = slash('ask', [{ name: 'question', type: 3, value: question }], { userId: `7${String(Date.now()).slice(-10)}${Math.floor(Math.random() * 1e6)}`.slice(0, 18) });
  const since = fake.calls.length;
  fake.dispatch('INTERACTION_CREATE', payload);
  const first = await fake.waitFor((c) => c.path.startsWith(`/interactions/${payload.id}/`) && c.status < 300, 60_000, since);
  if (first.body?.type === 5) await fake.waitFor((c) => c.method === 'PATCH' && c.path.includes(payload.token) && c.status < 300, 60_000, since);
  return finalMessage(fake.calls.slice(since).filter((c) => c.path.includes(payload.id) || c.path.includes(payload.token)));
}

describe('two bots and the CLI on one store', () => {
  it('both bots answer from an article the CLI adds while they run', async () => {
    const corpus = tmp('verbatim-procs-');
    fs.cpSync(SEED_CORPUS, corpus, { recursive: true });
    const store = await testStore();
    const env = { ...process.env, CORPUS_DIR: corpus, ...store.env, LOG_LEVEL: 'info' };
    const bots = [];
    for (let i = 0; i < 2; i++) {
      const fake = new FakeDiscord();
      fakes.push(fake);
      await fake.start();
      const child = spawn(process.execPath, [CLI, 'bot'], { env: { ...env, DISCORD_TOKEN: `token-${i}`, DISCORD_API_URL: fake.apiUrl, DISCORD_GUILD_ID: '200000000000000002' }, stdio: ['ignore', 'ignore', 'pipe'] });
      children.push(child);
      let log = '';
      child.stderr!.on('data', (d) => (log += d));
      bots.push({ fake, child, log: () => log });
    }
    for (const b of bots) {
      const end = Date.now() + 90_000;
      while (!/answering questions/.test(b.log()) && Date.now() < end) await new Promise((r) => setTimeout(r, 100));
      expect(b.log()).toMatch(/answering questions/);
    }
    const question = 'Which ferry line opened between Phu Quoc and Ha Tien?';
    for (const b of bots) expect((await ask(b.fake, question)).content).toMatch(/couldn't find/);

    fs.writeFileSync(path.join(corpus, 'ferry.txt'), 'A ferry line opens\n\nA new ferry line between Phu Quoc and Ha Tien opened on Sunday with four daily departures, the Kien Giang transport department said.\n');
    const indexed = spawnSync(process.execPath, [CLI, 'index'], { env: { ...env, LOG_LEVEL: 'silent' }, encoding: 'utf8', timeout: 120_000 });
    expect(indexed.stdout).toMatch(/^Indexed 6 files/m);
    for (const b of bots) {
      const m = await ask(b.fake, question);
      expect(m.embeds?.[0]?.description ?? m.content).toContain('Phu Quoc and Ha Tien');
    }
  }, 240_000);
});
