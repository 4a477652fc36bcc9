// What members paste and what admins upload, permissions checked at run time, and load: 200 questions at
// once, gateway disconnects, Discord 429 and 500 replies.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { finalMessage, startHarness, type Harness } from './bot-harness.js';
import { CHANNEL_ID, GUILD_ID, message, nextId, OWNER_ID, slash, type Call } from './fake-discord.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h?.stop();
});

/** Everything the user could see: content, embed titles and descriptions. */
function visible(m: ReturnType<typeof finalMessage>): string {
  return [m.content ?? '', ...(m.embeds ?? []).flatMap((e) => [e.title ?? '', e.description ?? '', e.footer?.text ?? ''])].join('\n');
}

function expectNoPing(m: ReturnType<typeof finalMessage>): void {
  expect(m.allowed_mentions).toEqual({ parse: [], replied_user: false });
  const text = visible(m);
  expect(text).not.toMatch(/(^|[^\u200b])@(everyone|here)/);
  expect(text).not.toMatch(/<@[!&]?\d+>/);
}

describe('what members paste', () => {
  const cases: [string, string, RegExp][] = [
    ['empty', '', /Ask a question/],
    ['whitespace', ' \t \n ', /Ask a question/],
    ['10,000 characters', 'dioxin '.repeat(1430), /under 500/],
    ['only emoji', '🤔🙂🇻🇳', /no words/],
    ['zero-width characters only', '\u200b\u200c\u200d\ufeff', /Ask a question/],
    ['RTL text', 'ما هي عاصمة فرنسا؟', /couldn't find that in the articles/],
    ['@everyone and mentions', '@everyone <@&123456789012345678> <@123456789012345678> who is Jessica Lewis?', /Jessica Lewis/],
    ['markdown and a code block', '```js\nalert(1)\n``` **Who** is _Jessica Lewis_? [x](http://evil)', /Jessica Lewis/],
    ['zero-width characters inside words', 'Who\u200b is Jessica\u200d Lewis?', /Jessica Lewis/],
  ];
  it.each(cases)('%s gets a clear reply and pings nobody', async (_name, question, expected) => {
    const m = finalMessage(await h.ask(question));
    expect(visible(m)).toMatch(expected);
    expectNoPing(m);
    expect(visible(m)).not.toMatch(/Error|stack|at .*\.ts:\d+/);
  });

  it('the same questions as @mentions get the same kind of reply, and no ping escapes', async () => {
    for (const [, question, expected] of cases) {
      const since = h.fake.calls.length;
      h.fake.dispatch('MESSAGE_CREATE', message(`<@100000000000000001> ${question}`, { mention: true, userId: h.freshUser() }));
      const reply = await h.fake.waitFor((c) => c.method === 'POST' && c.path === `/channels/${CHANNEL_ID}/messages` && c.status === 200, 20_000, since);
      const m = reply.body;
      expect(visible(m)).toMatch(expected);
      expectNoPing(m);
    }
  });
});

describe('what admins upload', () => {
  const upload = async (filename: string, content: string | Buffer, opts: { admin?: boolean; size?: number; userId?: string; library?: 'shared' } = {}) => {
    const id = nextId();
    const resolved = { attachments: { [id]: { id, filename, size: opts.size ?? Buffer.byteLength(content), url: h.fake.attachmentUrl('f', content), proxy_url: '', content_type: 'text/plain' } } };
    const options = [{ name: 'file', type: 11, value: id }, ...(opts.library ? [{ name: 'library', type: 3, value: opts.library }] : [])];
    return finalMessage(await h.interact(slash('article', [{ name: 'add', type: 1, options }], { userId: opts.userId ?? h.freshUser(), admin: opts.admin ?? true, resolved })));
  };
  const article = 'A ferry line opens\n\nA new ferry line between Phu Quoc and Ha Tien opened on Sunday with four daily departures.\n';
  const corpusListing = () => fs.readdirSync(h.config.corpusDir).sort();

  it("a path in the name is reduced to a file name; a server's upload is kept in the store, never written to disk", async () => {
    const before = corpusListing();
    const parent = fs.readdirSync(path.resolve(h.config.corpusDir, '..')).sort();
    const unique = `escape-${nextId()}`;
    const m = await upload(`../../${unique}.txt`, article);
    expect(m.content).toMatch(new RegExp(`Added \\*\\*${unique}\\.txt\\*\\* to this server's library`));
    expect(corpusListing()).toEqual(before);
    expect(fs.readdirSync(path.resolve(h.config.corpusDir, '..')).sort()).toEqual(parent);
    const win = await upload(`C:\\Users\\me\\${unique}-win.md`, article);
    expect(win.content).toMatch(/Added/);
    const store = (await h.bot.ctx.engine).store;
    expect((await store.articles([`guild:${GUILD_ID}`])).map((a) => a.file)).toEqual(expect.arrayContaining([`${unique}.txt`, `${unique}-win.md`]));
  });

  it('an owner adding to the shared library writes only inside corpus/', async () => {
    const unique = `shared-${nextId()}`;
    const m = await upload(`../../${unique}.txt`, article, { userId: OWNER_ID, admin: false, library: 'shared' });
    expect(m.content).toMatch(/to the shared library/);
    expect(fs.existsSync(path.join(h.config.corpusDir, `${unique}.txt`))).toBe(true);
    expect(fs.existsSync(path.resolve(h.config.corpusDir, '../..', `${unique}.txt`))).toBe(false);
  });

  it('refuses a wrong type, a binary file, an oversized file, an existing name, and a dotfile name', async () => {
    const before = corpusListing();
    expect((await upload('tool.exe', 'MZ')).content).toMatch(/Only \.txt, \.md and \.html/);
    expect((await upload('photo.txt', Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 0, 0, 0]))).content).toMatch(/binary file/);
    expect((await upload('big.txt', article, { size: 50 * 1024 * 1024 })).content).toMatch(/larger than the 10 MB limit/);
    expect((await upload('twice.txt', article)).content).toMatch(/Added/);
    expect((await upload('twice.txt', article)).content).toMatch(/already exists/);
    expect((await upload('000_bf6e7665d97fa8bf.txt', article, { userId: OWNER_ID, library: 'shared' })).content).toMatch(/already exists/);
    expect((await upload('.txt', article)).content).toMatch(/cannot be used|Only/);
    expect(corpusListing()).toEqual(before);
    const files = (await (await h.bot.ctx.engine).store.articles([`guild:${GUILD_ID}`])).map((a) => a.file);
    for (const bad of ['tool.exe', 'photo.txt', 'big.txt']) expect(files).not.toContain(bad);
    expect(corpusListing().filter((n) => n.startsWith('.upload-'))).toEqual([]);
  });
});

describe('permissions, checked at run time', () => {
  it('refuses every admin action to a member without Manage Server, even if Discord showed the command', async () => {
    const user = h.freshUser();
    for (const [name, options] of [
      ['reindex', []],
      ['article', [{ name: 'remove', type: 1, options: [{ name: 'name', type: 3, value: '000_bf6e7665d97fa8bf.txt' }] }]],
    ] as [string, unknown[]][]) {
      const m = finalMessage(await h.interact(slash(name, options, { userId: user, admin: false })));
      expect(m.content).toMatch(/Manage Server/);
      expect(m.flags! & 64).toBe(64);
    }
    expect(fs.existsSync(path.join(h.config.corpusDir, '000_bf6e7665d97fa8bf.txt'))).toBe(true);
    const inDm = finalMessage(await h.interact(slash('reindex', [], { userId: user, dm: true })));
    expect(inDm.content).toMatch(/works in a server/);
    // Autocomplete shows nothing to non-admins.
    const auto = { ...slash('article', [{ name: 'remove', type: 1, options: [{ name: 'name', type: 3, value: '00', focused: true }] }], { userId: user, admin: false }), type: 4 };
    const since = h.fake.calls.length;
    h.fake.dispatch('INTERACTION_CREATE', auto);
    const resp = await h.fake.waitFor((c) => c.path.startsWith(`/interactions/${auto.id}/`), 20_000, since);
    expect(resp.body.data.choices).toEqual([]);
  });
});

describe('load and Discord trouble', () => {
  it('200 questions at once: all answered, the rate limit applied per user, memory back to its level', async () => {
    const gc = (globalThis as { gc?: () => void }).gc;
    // Without a full collection before each reading, the comparison would measure garbage, not growth.
    if (!gc) throw new Error('this test needs node --expose-gc (vitest.config.ts passes it to its workers)');
    const settle = async () => {
      await new Promise((r) => setTimeout(r, 50));
      gc();
    };
    // A warm-up round of the same size first: code compiled and caches filled once are not growth; what a
    // second round of 200 questions leaves behind would be.
    const warm = Array.from({ length: 200 }, (_, i) => slash('ask', [{ name: 'question', type: 3, value: ['Who is Jessica Lewis?', 'When was the memorandum signed?', 'What is the capital of France?', 'Where was the dialogue held?'][i % 4] }], { userId: h.freshUser() }));
    const warmSince = h.fake.calls.length;
    for (const p of warm) h.fake.dispatch('INTERACTION_CREATE', p);
    for (const p of warm) await h.fake.waitFor((c) => c.path.startsWith(`/interactions/${p.id}/`) && c.status < 300, 60_000, warmSince);
    await new Promise((r) => setTimeout(r, 500));
    h.fake.calls.length = warmSince;
    await settle();
    const before = process.memoryUsage().heapUsed;
    const since = h.fake.calls.length;
    const users = Array.from({ length: 39 }, () => h.freshUser());
    const payloads = users.flatMap((u) => Array.from({ length: 5 }, (_, i) => slash('ask', [{ name: 'question', type: 3, value: ['Who is Jessica Lewis?', 'What role of ASEAN does the US back?', 'When was the memorandum signed?', 'What is the capital of France?', 'Where was the dialogue held?'][i] }], { userId: u })));
    const greedy = h.freshUser();
    payloads.push(...Array.from({ length: 5 }, () => slash('ask', [{ name: 'question', type: 3, value: 'Who is Jessica Lewis?' }], { userId: greedy })));
    expect(payloads).toHaveLength(200);
    payloads.push(...Array.from({ length: 3 }, () => slash('ask', [{ name: 'question', type: 3, value: 'Who is Jessica Lewis?' }], { userId: greedy })));
    for (const p of payloads) h.fake.dispatch('INTERACTION_CREATE', p);
    const answered = async (p: (typeof payloads)[number]) => {
      const first = await h.fake.waitFor((c) => c.path.startsWith(`/interactions/${p.id}/`) && c.status < 300, 120_000, since);
      if (first.body.type === 5) return (await h.fake.waitFor((c) => c.method === 'PATCH' && c.path.includes(p.token), 120_000, since)).body;
      return first.body.data;
    };
    const replies = await Promise.all(payloads.map(answered));
    const limited = replies.filter((r) => /try again in/.test(r.content ?? ''));
    expect(limited).toHaveLength(3); // only the greedy user's 6th to 8th questions
    expect(replies.slice(0, 200).every((r) => (r.embeds?.length ?? 0) === 1 || /couldn't find/.test(r.content ?? ''))).toBe(true);
    await new Promise((r) => setTimeout(r, 500));
    h.fake.calls.length = since; // what the fake Discord recorded is the test's memory, not the bot's
    replies.length = 0;
    await settle();
    const after = process.memoryUsage().heapUsed;
    expect(after - before).toBeLessThan(40 * 1024 * 1024);
  }, 180_000);

  it('comes back after the gateway drops the connection, and answers again', async () => {
    const identifiesBefore = h.fake.identifies.length;
    h.fake.disconnectAll(4000);
    await new Promise((r) => setTimeout(r, 3000));
    expect(h.fake.sockets.size).toBe(1);
    expect(h.fake.identifies.length).toBeLessThanOrEqual(identifiesBefore + 1); // resumed (or re-identified once)
    const m = finalMessage(await h.ask('Who is Jessica Lewis?'));
    expect(m.embeds![0].description).toContain('Jessica Lewis');
  }, 60_000);

  it('waits out a 429 and still answers', async () => {
    h.fake.faults.push({ match: /^POST \/interactions\/\d+\/[^/]+\/callback/, status: 429, times: 1 });
    const calls: Call[] = await h.ask('What role of ASEAN does the US back?');
    expect(calls.some((c) => c.status === 429)).toBe(true);
    expect(finalMessage(calls).embeds![0].description).toContain('consensus and central role');
  }, 60_000);

  it('a deferred answer whose edit meets repeated 500s is retried until it is delivered', async () => {
    const slowUser = h.freshUser();
    // Make the answer slow enough to be deferred, then fail the edit several times.
    const engine = await h.bot.ctx.engine;
    const original = engine.embedder.embedQuery;
    engine.embedder.embedQuery = async (t) => {
      await new Promise((r) => setTimeout(r, 1800));
      return original(t);
    };
    h.fake.faults.push({ match: /^PATCH \/webhooks\//, status: 500, times: 6 });
    try {
      const calls = await h.interact(slash('ask', [{ name: 'question', type: 3, value: 'Who is Jessica Lewis?' }], { userId: slowUser }));
      expect(calls.filter((c) => c.method === 'PATCH' && c.status === 500).length).toBeGreaterThanOrEqual(1);
      expect(finalMessage(calls).embeds![0].description).toContain('Jessica Lewis');
    } finally {
      engine.embedder.embedQuery = original;
      h.fake.faults = [];
    }
  }, 90_000);
});
