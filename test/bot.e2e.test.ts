// The real discord.js client, driven end to end through a Discord-compatible server on 127.0.0.1.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Config } from '../src/config.js';
import { closeEngine, openEngine } from '../src/engine.js';
import { startBot, type RunningBot } from '../src/bot/run.js';
import { createLogger } from '../src/log.js';
import { LIMITS } from '../src/bot/layout.js';
import { BOT_ID, button, CHANNEL_ID, DM_CHANNEL_ID, FakeDiscord, GUILD_ID, message, nextId, slash, THREAD_ID } from './fake-discord.js';
import { finalMessage, startHarness, TOKEN, type Harness } from './bot-harness.js';

let h: Harness;
let fake: FakeDiscord;
let bot: RunningBot;
let config: Config;

beforeAll(async () => {
  h = await startHarness();
  ({ fake, bot, config } = h);
});

afterAll(async () => {
  await h?.stop();
});

const freshUser = () => h.freshUser();
const interact = (payload: { id: string; token: string }) => h.interact(payload);
const ask = (question: string, extra: unknown[] = [], opts: Parameters<typeof slash>[2] = {}) => h.ask(question, extra, opts);

describe('the Discord bot', () => {
  it('registers the whole command set on the server with one PUT; admin commands need Manage Server', async () => {
    const put = fake.calls.find((c) => c.method === 'PUT');
    expect(put?.path).toBe('/applications/100000000000000001/guilds/200000000000000002/commands');
    const names = (put!.body as any[]).map((c) => c.name).sort();
    expect(names).toEqual(['article', 'ask', 'feed', 'help', 'reindex', 'sources', 'timeline']);
    for (const c of put!.body as any[]) {
      if (['article', 'feed', 'reindex'].includes(c.name)) expect(c.default_member_permissions).toBe('32');
    }
    // the fewest intents: guilds, guild messages, message content, direct messages
    expect(fake.identifies[0].intents).toBe(1 + 512 + 32768 + 4096);
  });

  it('/ask answers with quotes and citations in an embed, and pings nobody', async () => {
    const msg = finalMessage(await ask('What did the US call on all parties to carry out in the East Sea?'));
    expect(msg.embeds).toHaveLength(1);
    const e = msg.embeds![0];
    expect(e.description).toContain('Declaration on the Conduct of Parties');
    expect(e.description).toMatch(/\*\*\[1\]\*\* “/);
    // file names are markdown-escaped (\_); Discord shows them as written
    expect(e.description.replace(/\\/g, '')).toMatch(/Vietnam, US hold 10th political, security, defence dialogue — March 25, ¶\d+(?:–\d+)? \(003_313595e064d81634\.txt\)/);
    expect(msg.allowed_mentions).toEqual({ parse: [], replied_user: false });
    expect(msg.components?.[0]?.components.map((b: any) => b.label)).toEqual(['More sources', 'Full paragraph']);
  });

  it('/ask private:true answers ephemerally; sources:1 quotes one passage', async () => {
    const msg = finalMessage(await ask('Who is Jessica Lewis?', [{ name: 'private', type: 5, value: true }, { name: 'sources', type: 4, value: 1 }]));
    expect(msg.flags! & 64).toBe(64);
    expect(msg.embeds![0].description.match(/\*\*\[\d\]\*\*/g)).toHaveLength(1);
  });

  it('says when the articles do not cover a question, naming the closest articles', async () => {
    const msg = finalMessage(await ask('What is the population of Tokyo?'));
    expect(msg.content).toMatch(/couldn't find that in the articles/);
    expect(msg.content).toMatch(/closest articles/);
    expect(msg.embeds ?? []).toHaveLength(0);
  });

  it('explains empty and overlong questions ephemerally', async () => {
    const empty = finalMessage(await ask('   '));
    expect(empty.flags! & 64).toBe(64);
    expect(empty.content).toMatch(/Ask a question/);
    const long = finalMessage(await ask('why '.repeat(150)));
    expect(long.flags! & 64).toBe(64);
    expect(long.content).toMatch(/under 500/);
  });

  it('answers an @mention in a channel, and a follow-up reply uses the earlier question', async () => {
    let since = fake.calls.length;
    const m = message(`<@${BOT_ID}> Who is the US counterpart that General Thanh met in Hanoi?`, { mention: true, userId: freshUser() });
    fake.dispatch('MESSAGE_CREATE', m);
    const reply = await fake.waitFor((c) => c.method === 'POST' && c.path === `/channels/${CHANNEL_ID}/messages`, 20_000, since);
    expect(reply.body.message_reference.message_id).toBe(m.id);
    expect(reply.body.embeds[0].description).toContain('Panetta');
    expect(reply.body.allowed_mentions).toEqual({ parse: [], replied_user: false });
    const botMessageId = reply.response.id as string;
    since = fake.calls.length;
    fake.dispatch('MESSAGE_CREATE', message('and where was the cargo ship being refitted?', { replyTo: botMessageId, userId: freshUser() }));
    const follow = await fake.waitFor((c) => c.method === 'POST' && c.path === `/channels/${CHANNEL_ID}/messages`, 20_000, since);
    expect(follow.body.embeds[0].description).toContain('Cam Ranh');
  });

  it('answers in a DM and in a thread the bot started, but ignores channel chatter that is not for it', async () => {
    let since = fake.calls.length;
    fake.dispatch('MESSAGE_CREATE', message('What role of ASEAN does the US back?', { dm: true, userId: freshUser() }));
    const dm = await fake.waitFor((c) => c.method === 'POST' && c.path === `/channels/${DM_CHANNEL_ID}/messages`, 20_000, since);
    expect(dm.body.embeds[0].description).toContain('consensus and central role');

    since = fake.calls.length;
    fake.dispatch('MESSAGE_CREATE', message('Where was the 10th political, security and defence dialogue held?', { channelId: THREAD_ID, userId: freshUser() }));
    const inThread = await fake.waitFor((c) => c.method === 'POST' && c.path === `/channels/${THREAD_ID}/messages`, 20_000, since);
    expect(inThread.body.embeds[0].description).toContain('Washington DC');

    since = fake.calls.length;
    fake.dispatch('MESSAGE_CREATE', message('lunch anyone?', { userId: freshUser() }));
    await new Promise((r) => setTimeout(r, 800));
    expect(fake.calls.slice(since).filter((c) => c.method === 'POST' && c.path.startsWith('/channels/'))).toHaveLength(0);
  });

  it('"More sources" shows the next passages; "Full paragraph" the quoted ones in full', async () => {
    const answer = finalMessage(await ask('What did the two sides agree to do about dioxin at Bien Hoa?'));
    const id = (answer.components![0].components[0].custom_id as string).split(':')[1];
    const more = finalMessage(await interact(button(`more:${id}`, nextId())));
    expect(more.embeds![0].description).toMatch(/\*\*\[4\]\*\*/);
    const full = finalMessage(await interact(button(`full:${id}`, nextId())));
    expect(full.embeds!.length).toBeGreaterThan(0);
    expect(full.flags! & 64).toBe(64);
    const expired = finalMessage(await interact(button('more:nosuchanswer', nextId())));
    expect(expired.content).toMatch(/too old to expand/);
  });

  it('/timeline lists a story oldest first, one quote per article with its date; /ask since:/until: narrow to a period', async () => {
    const msg = finalMessage(await interact(slash('timeline', [{ name: 'topic', type: 3, value: 'US defence secretary visits to Vietnam' }], { userId: freshUser() })));
    const e = msg.embeds![0];
    expect(e.title).toBe('Timeline: US defence secretary visits to Vietnam');
    // Panetta's visit (the page prints "June 4", its body 2011 and 2012) comes before Esper's of 2019.
    const panetta = e.description.indexOf('Panetta');
    const esper = e.description.indexOf('**November 20, 2019**');
    expect(panetta).toBeGreaterThan(-1);
    expect(esper).toBeGreaterThan(panetta);
    expect(msg.allowed_mentions).toEqual({ parse: [], replied_user: false });

    const narrowed = finalMessage(await ask('Which US defence secretary visited Vietnam?', [{ name: 'since', type: 3, value: '2019' }, { name: 'until', type: 3, value: 'December 2019' }]));
    const quoted = narrowed.embeds![0].description.replace(/\\/g, '');
    expect(quoted).toContain('001_f7851b020e12dbef.txt');
    expect(quoted).not.toMatch(/00[02-4]_/);
    const bad = finalMessage(await ask('Which US defence secretary visited Vietnam?', [{ name: 'since', type: 3, value: 'someday' }]));
    expect(bad.flags! & 64).toBe(64);
    expect(bad.content).toMatch(/not a date with a year/);
  });

  it('says plainly when no article speaks of the year asked about, and shows the closest passage as such', async () => {
    const msg = finalMessage(await ask('Which US defence secretary visited Vietnam in 2009?'));
    expect(msg.content).toBe('No article here speaks of 2009; the closest passage:');
    expect(msg.embeds![0].description).toMatch(/\*\*\[1\]\*\* “/);
  });

  it('shows the closest passages under a note when the evidence is mixed, rather than hiding a stated answer', async () => {
    const msg = finalMessage(await ask('Who did Mark Esper hold talks with in Ha Noi?'));
    expect(msg.content).toMatch(/^This may not answer your question — the closest passages?:$/);
    expect(msg.embeds![0].description.replace(/\s+/g, ' ')).toContain('Ngo Xuan Lich');
    expect(msg.allowed_mentions).toEqual({ parse: [], replied_user: false });
  });

  it('/sources lists the articles with outlet, date and passage counts', async () => {
    const msg = finalMessage(await interact(slash('sources', [], { userId: freshUser() })));
    expect(msg.embeds![0].title).toBe('Articles (5)');
    expect(msg.embeds![0].description).toContain('Defense Minister holds talks with U.S. Secretary of Defense');
    expect(msg.embeds![0].description).toContain('VGP, November 20, 2019, 6 passages');
  });

  it('/reindex and /article add are refused without Manage Server, checked at run time', async () => {
    const reindexMsg = finalMessage(await interact(slash('reindex', [], { userId: freshUser(), admin: false })));
    expect(reindexMsg.content).toMatch(/Manage Server/);
    expect(reindexMsg.flags! & 64).toBe(64);
    const attachmentId = nextId();
    const resolved = { attachments: { [attachmentId]: { id: attachmentId, filename: 'x.txt', size: 10, url: fake.attachmentUrl('x.txt', 'hello'), proxy_url: '', content_type: 'text/plain' } } };
    const add = finalMessage(await interact(slash('article', [{ name: 'add', type: 1, options: [{ name: 'file', type: 11, value: attachmentId }] }], { userId: freshUser(), admin: false, resolved })));
    expect(add.content).toMatch(/Manage Server/);
    expect(fs.existsSync(path.join(config.corpusDir, 'x.txt'))).toBe(false);
  });

  it("/article add (admin) keeps the file in this server's library under a safe name and makes it searchable; /reindex reports", async () => {
    const text = 'Navy ships visit Da Nang\n\nThree US Navy ships docked at Tien Sa port in Da Nang on Monday for a five-day goodwill visit, the city said.\n';
    const attachmentId = nextId();
    const resolved = { attachments: { [attachmentId]: { id: attachmentId, filename: '../../navy visit.txt', size: text.length, url: fake.attachmentUrl('navy.txt', text), proxy_url: '', content_type: 'text/plain' } } };
    const added = finalMessage(await interact(slash('article', [{ name: 'add', type: 1, options: [{ name: 'file', type: 11, value: attachmentId }] }], { userId: freshUser(), admin: true, resolved })));
    expect(added.content).toMatch(/Added \*\*navy visit\.txt\*\* to this server's library — “Navy ships visit Da Nang”, 1 passages/);
    // Kept in the store with its upload, not in the shared corpus folder.
    expect(fs.existsSync(path.join(config.corpusDir, 'navy visit.txt'))).toBe(false);
    expect(await (await bot.ctx.engine).store.article(`guild:${GUILD_ID}`, 'navy visit.txt')).toMatchObject({ title: 'Navy ships visit Da Nang' });
    const answer = finalMessage(await ask('Where did the US Navy ships dock in Da Nang?'));
    expect(answer.embeds![0].description).toContain('Tien Sa port');
    expect(answer.embeds![0].description).toMatch(/navy visit\.txt\) · this server/);

    const again = finalMessage(await interact(slash('article', [{ name: 'add', type: 1, options: [{ name: 'file', type: 11, value: attachmentId }] }], { userId: freshUser(), admin: true, resolved })));
    expect(again.content).toMatch(/already exists/);

    const reindexed = finalMessage(await interact(slash('reindex', [], { userId: freshUser(), admin: true })));
    expect(reindexed.content).toMatch(/Indexed 1 files, 1 passages: 0 embedded, 1 reused/);
  });

  it('rate-limits a user who asks too fast, saying when to try again', async () => {
    const u = freshUser();
    const replies = [];
    for (let i = 0; i < 6; i++) replies.push(finalMessage(await interact(slash('ask', [{ name: 'question', type: 3, value: 'Who is Jessica Lewis?' }], { userId: u }))));
    expect(replies.slice(0, 5).every((r) => r.embeds?.length === 1)).toBe(true);
    expect(replies[5].content).toMatch(/try again in \d+ s/);
    expect(replies[5].flags! & 64).toBe(64);
  });

  it('keeps a long answer within 4,096/6,000 characters by dropping lower-ranked passages', async () => {
    const long = Array.from({ length: 120 }, (_, i) => `Sentence ${i + 1} reports that the frigate Ly Thai To joined the naval exercise near Cam Ranh.`).join(' ');
    fs.writeFileSync(path.join(config.corpusDir, 'long.txt'), `Frigate exercise report\n\n${long}\n`);
    await h.reindexShared();
    const msg = finalMessage(await ask('Which frigate joined the naval exercise near Cam Ranh?'));
    const e = msg.embeds![0];
    expect(e.description.length).toBeLessThanOrEqual(LIMITS.description);
    expect(e.title.length + e.description.length + e.footer.text.length).toBeLessThanOrEqual(LIMITS.total);
    expect(e.description).toContain('Ly Thai To');
    const quotes = e.description.match(/\*\*\[\d\]\*\*/g) ?? [];
    expect(quotes.length).toBeGreaterThan(0);
    expect(quotes.length).toBeLessThan(3); // three ~2,500-character passages cannot all fit
  });

  it('an article containing @everyone and <@id> pings nobody', async () => {
    fs.writeFileSync(path.join(config.corpusDir, 'ping.txt'), 'Ping test article\n\nThe spokesman told @everyone at the briefing, and <@123456789012345678> in particular, that the drills at Vung Ro bay would resume.\n');
    await h.reindexShared();
    const msg = finalMessage(await ask('What did the spokesman say about the drills at Vung Ro bay?'));
    const d = msg.embeds![0].description as string;
    expect(d).toContain('Vung Ro');
    expect(d).not.toMatch(/(^|[^\u200b])@everyone/);
    expect(d).not.toContain('<@123456789012345678>');
    expect(msg.allowed_mentions).toEqual({ parse: [], replied_user: false });
  });

  it('survives a Discord 500 on a reply, and the next question works', async () => {
    fake.faults.push({ match: /^POST \/interactions\/\d+\/[^/]+\/callback/, status: 500, times: 20 });
    const payload = slash('ask', [{ name: 'question', type: 3, value: 'Who is Jessica Lewis?' }], { userId: freshUser() });
    fake.dispatch('INTERACTION_CREATE', payload);
    await fake.waitFor((c) => c.path.startsWith(`/interactions/${payload.id}/`) && c.status === 500);
    await new Promise((r) => setTimeout(r, 1500));
    fake.faults = [];
    const msg = finalMessage(await ask('Who is the US Assistant Secretary of State for Political-Military Affairs?'));
    expect(msg.embeds![0].description).toContain('Jessica Lewis');
  });

  it('never writes the token to its logs', () => {
    const log = fs.readFileSync(h.logFile, 'utf8');
    expect(log.length).toBeGreaterThan(0);
    expect(log).not.toContain(TOKEN);
  });
});

describe('the Discord bot while the model is still loading', () => {
  it('defers /ask within Discord\'s 3 seconds, then edits in the answer', async () => {
    const fake2 = new FakeDiscord();
    await fake2.start();
    const cfg = { ...config, discordApiUrl: fake2.apiUrl };
    // An engine that takes 2.5 s longer to be ready, as on a first start.
    const opened = openEngine(cfg, { update: false });
    const slow = opened.then((e) => new Promise<typeof e>((r) => setTimeout(() => r(e), 2500)));
    const bot2 = startBot(cfg, { engine: slow, log: createLogger('silent') });
    try {
      await bot2.online;
      const payload = slash('ask', [{ name: 'question', type: 3, value: 'Who is Jessica Lewis?' }], { userId: freshUser() });
      const sent = Date.now();
      fake2.dispatch('INTERACTION_CREATE', payload);
      const ack = await fake2.waitFor((c) => c.path.startsWith(`/interactions/${payload.id}/`));
      expect(ack.body.type).toBe(5); // deferred
      expect(ack.at - sent).toBeLessThan(3000);
      const edit = await fake2.waitFor((c) => c.method === 'PATCH' && c.path.includes(payload.token));
      expect(edit.body.embeds[0].description).toContain('Jessica Lewis');
    } finally {
      await bot2.stop();
      await fake2.stop();
      await closeEngine(await opened);
    }
  });
});
