// Articles that arrive by themselves, through the real bot against a fake Discord and a news site on
// 127.0.0.1: /article add url:, /feed add with a channel for notices, the poller inside the bot picking up
// a new entry and saying so there (pinging nobody), /feed list and /feed remove; and a server never sees
// another's followed articles.
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHANNEL_B_ID, CHANNEL_ID, GUILD_B_ID, GUILD_ID, slash, type FakeDiscord } from './fake-discord.js';
import { finalMessage, startHarness, type Harness } from './bot-harness.js';
import { newsSite, story, type NewsSite } from './news-site.js';

let h: Harness;
let fake: FakeDiscord;
let site: NewsSite;

beforeAll(async () => {
  site = await newsSite(6);
  h = await startHarness({ env: { FETCH_ALLOW_HOSTS: '127.0.0.1', FETCH_HOST_INTERVAL_MS: '0', FEED_POLL_MINUTES: '0.01' }, guilds: [GUILD_ID, GUILD_B_ID], feedCheckEveryMs: 300 });
  fake = h.fake;
});

afterAll(async () => {
  await h?.stop();
  await site?.close();
});

const admin = (name: string, sub: string, options: unknown[], extra: Parameters<typeof slash>[2] = {}) =>
  h.interact(slash(name, [{ name: sub, type: 1, options }], { userId: h.freshUser(), admin: true, ...extra }));
const text = (v: string) => ({ name: 'url', type: 3, value: v });

describe('articles from the web, in Discord', () => {
  it('/article add url: fetches the page, says what was added, and answers from it with its address', async () => {
    const msg = finalMessage(await admin('article', 'add', [text(`${site.url}/news/story-1`)]));
    expect(msg.content).toMatch(/^Added “Port Quillet plans ferry terminal number 1” \(The Quillet Gazette\), \d+ passages in this server's library, searchable now — <http:\/\/127\.0\.0\.1:\d+\/news\/story-1>\.$/);
    expect(msg.allowed_mentions).toEqual({ parse: [], replied_user: false });
    const answer = finalMessage(await h.ask('How much will ferry terminal number 1 cost?'));
    expect(answer.embeds![0].description).toContain('1000 korvens');
    expect(JSON.stringify(answer.embeds![0])).toContain(`${site.url}/news/story-1`);
    const refused = finalMessage(await admin('article', 'add', [text('gopher://example.com/')]));
    expect(refused.content).toMatch(/^Not added: only http and https addresses can be fetched, not gopher:\.$/);
  });

  it('/feed add follows a site, the poller adds a new entry and notes it in the chosen channel, pinging nobody', async () => {
    const channel = { name: 'channel', type: 7, value: CHANNEL_ID };
    const resolved = { channels: { [CHANNEL_ID]: { id: CHANNEL_ID, type: 0, name: 'general', permissions: '2248473465835073' } } };
    const msg = finalMessage(await admin('feed', 'add', [text(`${site.url}/`), channel], { resolved }));
    expect(msg.content).toMatch(/^Following \*\*The Quillet Gazette\*\* <http:\/\/127\.0\.0\.1:\d+\/feed\.xml> in this server's library; checked every [\d.]+ minutes, new articles noted in <#\d+>\.\n5 articles added now\./);

    // A new story appears in the feed: the poller in the bot picks it up.
    const since = fake.calls.length;
    site.stories.unshift(story(77));
    const notice = await fake.waitFor((c) => c.method === 'POST' && c.path === `/channels/${CHANNEL_ID}/messages`, 20_000, since);
    expect(notice.body.content).toMatch(/^New from \*\*The Quillet Gazette\*\*: “Port Quillet plans ferry terminal number 77” — ask me about it\.$/);
    expect(notice.body.allowed_mentions).toEqual({ parse: [], replied_user: false });
    const answer = finalMessage(await h.ask('How much will ferry terminal number 77 cost?'));
    expect(answer.embeds![0].description).toContain('77000 korvens');

    const list = finalMessage(await admin('feed', 'list', []));
    expect(list.content).toMatch(/The Quillet Gazette\*\* — <http:\/\/127\.0\.0\.1:\d+\/feed\.xml> → <#\d+>/);
  });

  it('another server sees none of it, and /feed remove stops following but keeps the articles', async () => {
    const other = finalMessage(await h.ask('How much will ferry terminal number 77 cost?', [], { guildId: GUILD_B_ID }));
    expect(JSON.stringify(other)).not.toContain('77000 korvens');
    const feeds = await (await h.bot.ctx.engine).store.feeds([`guild:${GUILD_ID}`]);
    const removed = finalMessage(await admin('feed', 'remove', [{ name: 'url', type: 3, value: String(feeds[0].id) }]));
    expect(removed.content).toMatch(/^No longer following <.*feed\.xml>\. Its articles stay in the library until removed\.$/);
    expect(await (await h.bot.ctx.engine).store.feeds([`guild:${GUILD_ID}`])).toHaveLength(0);
    expect(finalMessage(await h.ask('How much will ferry terminal number 77 cost?')).embeds![0].description).toContain('77000 korvens');
    // Nothing was posted in the other server's channel.
    expect(fake.calls.filter((c) => c.method === 'POST' && c.path === `/channels/${CHANNEL_B_ID}/messages`)).toHaveLength(0);
  });

  it("a private feed's key in its address reaches neither the replies nor the log", async () => {
    const msg = finalMessage(await admin('feed', 'add', [text(`${site.url}/feed.xml?token=SECRET-FEED-KEY`)], { guildId: GUILD_B_ID }));
    expect(msg.content).toMatch(/^Following .*feed\.xml\?token=redacted>/);
    const list = finalMessage(await admin('feed', 'list', [], { guildId: GUILD_B_ID }));
    expect(JSON.stringify([msg, list])).not.toContain('SECRET-FEED-KEY');
    expect(fs.readFileSync(h.logFile, 'utf8')).toContain('token=redacted');
    expect(fs.readFileSync(h.logFile, 'utf8')).not.toContain('SECRET-FEED-KEY');
  });
});
