// Each server its own library, end to end through the real discord.js client: an article added in one
// server is quoted there and nowhere else, only that server's admins change it, the bot's owners change
// the shared library, a server outside ALLOWED_GUILD_IDS is refused and left, and a server's library
// outlives the bot's removal only for the retention period.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sweepRetention } from '../src/bot/libraries.js';
import { finalMessage, startHarness, type Harness } from './bot-harness.js';
import { GUILD_B_ID, GUILD_C_ID, GUILD_ID, message, nextId, OWNER_ID, slash, DM_CHANNEL_ID } from './fake-discord.js';
import { ROOT } from './helpers.js';

const A = GUILD_ID;
const B = GUILD_B_ID;

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ guilds: [A, B], env: { GUILD_MAX_ARTICLES: '12' } });
});
afterAll(async () => {
  await h?.stop();
});

/** Everything a member sees of a reply. */
const visible = (m: ReturnType<typeof finalMessage>) => [m.content ?? '', ...(m.embeds ?? []).map((e) => `${e.title ?? ''}\n${e.description ?? ''}`)].join('\n');
const unescape = (s: string) => s.replace(/\\/g, '');

async function upload(guildId: string, filename: string, text: string, opts: { admin?: boolean; userId?: string; library?: 'shared' | 'server' } = {}) {
  const id = nextId();
  const resolved = { attachments: { [id]: { id, filename, size: Buffer.byteLength(text), url: h.fake.attachmentUrl(filename, text), proxy_url: '', content_type: 'text/plain' } } };
  const options = [{ name: 'file', type: 11, value: id }, ...(opts.library ? [{ name: 'library', type: 3, value: opts.library }] : [])];
  return finalMessage(await h.interact(slash('article', [{ name: 'add', type: 1, options }], { userId: opts.userId ?? h.freshUser(), admin: opts.admin ?? true, resolved, guildId })));
}

async function remove(guildId: string, name: string, opts: { admin?: boolean; userId?: string; library?: 'shared' } = {}) {
  const options = [{ name: 'name', type: 3, value: name }, ...(opts.library ? [{ name: 'library', type: 3, value: opts.library }] : [])];
  return finalMessage(await h.interact(slash('article', [{ name: 'remove', type: 1, options }], { userId: opts.userId ?? h.freshUser(), admin: opts.admin ?? true, guildId })));
}

async function autocomplete(guildId: string, typed: string, admin = true) {
  const payload = { ...slash('article', [{ name: 'remove', type: 1, options: [{ name: 'name', type: 3, value: typed, focused: true }] }], { userId: h.freshUser(), admin, guildId }), type: 4 };
  const since = h.fake.calls.length;
  h.fake.dispatch('INTERACTION_CREATE', payload);
  const resp = await h.fake.waitFor((c) => c.path.startsWith(`/interactions/${payload.id}/`), 20_000, since);
  return (resp.body.data.choices as { name: string; value: string }[]).map((c) => c.value);
}

const EMBARGO = 'Embargoed: port deal\n\nThe Quy Nhon port authority signed a 40-year lease with the Zephyrine Shipping Company on Thursday, according to a draft seen by the newsroom.\n';
const EMBARGO_Q = 'Which company signed a 40-year lease with the Quy Nhon port authority?';

describe("a server's own library", () => {
  it('an article added in A is quoted in A, never in B or in a DM, and never listed or removable from B', async () => {
    expect((await upload(A, 'embargo.txt', EMBARGO)).content).toMatch(/Added \*\*embargo\.txt\*\* to this server's library/);

    const inA = finalMessage(await h.ask(EMBARGO_Q, [], { guildId: A }));
    expect(inA.embeds![0].description).toContain('Zephyrine Shipping Company');
    expect(unescape(inA.embeds![0].description)).toMatch(/\(embargo\.txt\) · this server/);

    const inB = finalMessage(await h.ask(EMBARGO_Q, [], { guildId: B }));
    expect(visible(inB)).not.toMatch(/Zephyrine|embargo/i);
    expect(inB.content).toMatch(/couldn't find that in the articles/);

    const since = h.fake.calls.length;
    h.fake.dispatch('MESSAGE_CREATE', message(EMBARGO_Q, { dm: true, userId: h.freshUser() }));
    const dm = await h.fake.waitFor((c) => c.method === 'POST' && c.path === `/channels/${DM_CHANNEL_ID}/messages`, 20_000, since);
    expect(JSON.stringify(dm.body)).not.toMatch(/Zephyrine|embargo/i);
    expect(dm.body.content).toMatch(/couldn't find that in the articles/);

    const sourcesB = finalMessage(await h.interact(slash('sources', [], { userId: h.freshUser(), guildId: B })));
    expect(visible(sourcesB)).not.toMatch(/embargo/i);
    const sourcesA = finalMessage(await h.interact(slash('sources', [], { userId: h.freshUser(), guildId: A })));
    expect(visible(sourcesA)).toMatch(/Embargoed: port deal/);

    expect(await autocomplete(A, 'emb')).toEqual(['embargo.txt']);
    expect(await autocomplete(B, 'emb')).toEqual([]);
    expect((await remove(B, 'embargo.txt')).content).toMatch(/There is no article named "embargo\.txt" in this server's library/);
    expect(finalMessage(await h.ask(EMBARGO_Q, [], { guildId: A })).embeds![0].description).toContain('Zephyrine');
  });

  it('a plain member of A cannot add or remove; an admin of A can remove', async () => {
    const refused = await upload(A, 'member.txt', EMBARGO.replace('Zephyrine', 'Quillon'), { admin: false });
    expect(refused.content).toMatch(/Manage Server/);
    expect(refused.flags! & 64).toBe(64);
    expect((await remove(A, 'embargo.txt', { admin: false })).content).toMatch(/Manage Server/);
    expect(await autocomplete(A, 'emb', false)).toEqual([]);
    expect((await upload(A, 'gone-soon.txt', 'Short-lived\n\nThe Vung Tau ferry timetable changes on Monday, the Ba Ria ferry operator announced today.\n')).content).toMatch(/Added/);
    expect((await remove(A, 'gone-soon.txt')).content).toMatch(/Removed \*\*gone-soon\.txt\*\*/);
    expect(finalMessage(await h.ask('When does the Vung Tau ferry timetable change?', [], { guildId: A })).content ?? '').toMatch(/couldn't find/);
  });

  it("a bot owner changes the shared library and both servers see it; a server admin cannot", async () => {
    const text = 'Shared bulletin\n\nThe Mekong Delta rice harvest reached 24 million tonnes this year, the agriculture ministry of Vietnam said on Friday.\n';
    const notOwner = await upload(A, 'bulletin.txt', text, { library: 'shared' });
    expect(notOwner.content).toMatch(/Only the bot's owners can change the shared library/);
    const added = await upload(A, 'bulletin.txt', text, { library: 'shared', userId: OWNER_ID });
    expect(added.content).toMatch(/to the shared library \(every server\)/);
    for (const guildId of [A, B]) {
      const m = finalMessage(await h.ask('How many tonnes did the Mekong Delta rice harvest reach?', [], { guildId }));
      expect(m.embeds![0].description).toContain('24 million tonnes');
      expect(unescape(m.embeds![0].description)).toMatch(/\(bulletin\.txt\)\*/); // shared: no "this server"
    }
    expect((await remove(B, 'bulletin.txt', { library: 'shared' })).content).toMatch(/Only the bot's owners/);
    expect((await remove(B, 'bulletin.txt', { library: 'shared', userId: OWNER_ID })).content).toMatch(/Removed/);
    expect(finalMessage(await h.ask('How many tonnes did the Mekong Delta rice harvest reach?', [], { guildId: B })).content ?? '').toMatch(/couldn't find/);
  });

  it('100 questions across two servers with articles on the same topics: no quote ever comes from the other server', async () => {
    // Each server gets its own reports on the same ports, with facts only it has.
    const ports = ['Hai Phong', 'Da Nang', 'Cam Ranh', 'Vung Ro', 'Cai Mep'];
    const own = { [A]: 'Amberly', [B]: 'Borrowdale' } as Record<string, string>;
    for (const g of [A, B]) {
      for (const [i, port] of ports.entries()) {
        const text = `${port} port report ${own[g]}\n\nThe ${port} port welcomed the ${own[g]} convoy of ${3 + i} cargo ships on Monday, carrying rice, steel and fertiliser, the ${port} harbour master said.\n\nOfficials said the ${own[g]} convoy would return to ${port} next month with ${10 + i} more ships.\n`;
        expect((await upload(g, `${own[g].toLowerCase()}-${i}.txt`, text)).content).toMatch(/Added/);
      }
    }
    let fromOther = 0;
    let answered = 0;
    for (let n = 0; n < 100; n++) {
      const g = n % 2 === 0 ? A : B;
      const other = g === A ? B : A;
      const port = ports[n % ports.length];
      // Half ask about the server's own convoy, half about the other server's.
      const about = (n >> 1) % 2 === 0 ? own[g] : own[other];
      const m = finalMessage(await h.ask(`How many cargo ships were in the ${about} convoy that ${port} port welcomed?`, [], { guildId: g }));
      const text = unescape((m.embeds ?? []).map((e) => e.description).join('\n')); // quotes and citations, not the echoed question
      if (m.embeds?.length) answered++;
      if (new RegExp(`${own[other]}|${own[other].toLowerCase()}-\\d`).test(text)) fromOther++;
    }
    expect(fromOther).toBe(0);
    expect(answered).toBeGreaterThanOrEqual(50); // the questions about a server's own convoy are answered
  }, 180_000);

  it('a full library refuses more articles, saying what the limit is', async () => {
    // A holds embargo.txt and five port reports; the limit is 12.
    for (let i = 0; i < 6; i++) await upload(A, `filler-${i}.txt`, `Filler ${i}\n\nThe filler report number ${i} describes the weather in Hue on day ${i} of the festival.\n`);
    const refused = await upload(A, 'one-too-many.txt', 'Too many\n\nThis report about Nha Trang would exceed the library limit of this server.\n');
    expect(refused.content).toMatch(/This server's library is full: it holds 12 articles, the limit is 12/);
  });
});

describe('when the bot leaves a server', () => {
  it("keeps the server's library for the retention period, then deletes it; a return before that keeps it", async () => {
    const store = (await h.bot.ctx.engine).store;
    const libB = () => store.libraries().then((ls) => ls.find((l) => l.key === `guild:${B}`));
    expect((await libB())?.articles).toBeGreaterThan(0);
    h.fake.removeGuild(B);
    for (let i = 0; i < 50 && !(await libB())?.leftAt; i++) await new Promise((r) => setTimeout(r, 100));
    expect((await libB())?.leftAt).toBeTruthy();
    expect(await sweepRetention(h.bot.ctx)).toEqual([]); // not yet: 30 days
    h.fake.addGuild(B);
    for (let i = 0; i < 50 && (await libB())?.leftAt; i++) await new Promise((r) => setTimeout(r, 100));
    expect((await libB())?.leftAt).toBeNull();
    h.fake.removeGuild(B);
    for (let i = 0; i < 50 && !(await libB())?.leftAt; i++) await new Promise((r) => setTimeout(r, 100));
    expect(await sweepRetention(h.bot.ctx, Date.now() + 31 * 86_400_000)).toEqual([`guild:${B}`]);
    expect(await libB()).toBeUndefined();
    expect((await store.articles([`guild:${B}`]))).toEqual([]);
    expect(fs.readFileSync(h.logFile, 'utf8')).toMatch(/deleted the library of a server the bot left/);
  });

  it('`verbatim libraries` lists each library with its articles and size; `libraries delete` asks first', () => {
    const env = { ...process.env, CORPUS_DIR: h.config.corpusDir, EMBEDDINGS_DIR: h.config.embeddingsDir, ...(h.config.storeUrl ? { STORE_URL: h.config.storeUrl } : {}), LOG_LEVEL: 'silent' };
    const cli = (args: string[]) => spawnSync(process.execPath, [path.join(ROOT, 'bin/verbatim.mjs'), ...args], { env, encoding: 'utf8', input: '' });
    const list = cli(['libraries']);
    expect(list.status).toBe(0);
    expect(list.stdout).toMatch(/^shared: \d+ articles, \d+ passages, [\d.]+ MB$/m);
    expect(list.stdout).toMatch(new RegExp(`^guild:${A} \\(Test server\\): 12 articles, \\d+ passages, [\\d.]+ MB$`, 'm'));
    const unconfirmed = cli(['libraries', 'delete', A]);
    expect(unconfirmed.status).toBe(1);
    expect(unconfirmed.stderr).toMatch(/Refusing to delete without confirmation/);
    const deleted = cli(['libraries', 'delete', A, '--yes']);
    expect(deleted.stdout).toMatch(new RegExp(`Deleted guild:${A}: 12 articles`));
    expect(cli(['libraries']).stdout).not.toMatch(new RegExp(`guild:${A}`));
  });
});

describe('ALLOWED_GUILD_IDS', () => {
  it("refuses a third server's interactions and leaves it, at start and when added later", async () => {
    const g = await startHarness({ guilds: [A, GUILD_C_ID], env: { ALLOWED_GUILD_IDS: `${A},${B}` } });
    try {
      // At start: C is in READY, so the bot leaves it.
      await g.fake.waitFor((c) => c.method === 'DELETE' && c.path === `/users/@me/guilds/${GUILD_C_ID}`, 20_000);
      const refused = finalMessage(await g.interact(slash('ask', [{ name: 'question', type: 3, value: 'Who is Jessica Lewis?' }], { userId: g.freshUser(), guildId: GUILD_C_ID })));
      expect(refused.content).toMatch(/does not serve this server/);
      expect(refused.flags! & 64).toBe(64);
      // Added later: B is allowed and stays; an unknown one is left.
      const since = g.fake.calls.length;
      g.fake.addGuild(B);
      const late = '200000000000000777';
      g.fake.addGuild(late);
      await g.fake.waitFor((c) => c.method === 'DELETE' && c.path === `/users/@me/guilds/${late}`, 20_000, since);
      expect(g.fake.calls.slice(since).some((c) => c.method === 'DELETE' && c.path.endsWith(`/${B}`))).toBe(false);
      const allowed = finalMessage(await g.interact(slash('ask', [{ name: 'question', type: 3, value: 'Who is Jessica Lewis?' }], { userId: g.freshUser(), guildId: B })));
      expect(allowed.embeds![0].description).toContain('Jessica Lewis');
      const log = fs.readFileSync(g.logFile, 'utf8');
      expect(log).toMatch(new RegExp(`"guild":"${GUILD_C_ID}".*leaving a server that is not in ALLOWED_GUILD_IDS`));
    } finally {
      await g.stop();
    }
  });
});
