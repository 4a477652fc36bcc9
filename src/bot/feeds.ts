// The feed poller inside the bot: every minute it checks the feeds that are due (bot-wide, one at a time,
// as a write), skipping the libraries of servers the bot has left or may not serve; a feed whose admin
// chose a channel gets a one-line notice there of its new articles. `verbatim feeds poll` does the same
// from cron where no bot runs.
import type { Client } from 'discord.js';
import { pollDue, type PollResult } from '../feeds/poll.js';
import { AbortedError } from '../index/update.js';
import { guildOf } from '../store/types.js';
import { NO_PINGS } from './client.js';
import type { BotContext } from './context.js';
import { clip, LIMITS, safe } from './layout.js';
import { redactUrl } from '../log.js';

/** A one-line notice of a feed's new articles. */
export function noticeOf(r: PollResult): string {
  const titles = r.articles.map((a) => `“${safe(a.title ?? a.file ?? '')}”`);
  const shown = titles.slice(0, 3).join(', ') + (titles.length > 3 ? ` and ${titles.length - 3} more` : '');
  return clip(`New from ${r.feed.title ? `**${safe(r.feed.title)}**` : `<${redactUrl(r.feed.url)}>`}: ${shown} — ask me about ${r.articles.length === 1 ? 'it' : 'them'}.`, LIMITS.content);
}

/** Checks the due feeds now; resolves when the check is done. */
export async function pollFeeds(ctx: BotContext, client: Client): Promise<PollResult[]> {
  const engine = await ctx.engine;
  const libraries = (await engine.store.libraries()).filter((l) => {
    if (l.leftAt) return false;
    const guild = guildOf(l.key);
    return !guild || !ctx.config.allowedGuildIds || ctx.config.allowedGuildIds.includes(guild);
  });
  if (!libraries.length) return [];
  const results = await ctx.write((e, signal) => pollDue(e, { libraries: libraries.map((l) => l.key), signal }));
  for (const r of results) {
    if (r.status === 'failed') ctx.log.warn({ feed: r.feed.url, library: r.feed.library, failures: r.feed.failures, why: r.notes[0] }, 'feed check failed');
    else ctx.log.info({ feed: r.feed.url, library: r.feed.library, added: r.articles.length, skipped: r.skipped.length }, 'feed checked');
    if (!r.articles.length || !r.feed.channelId) continue;
    try {
      const channel = await client.channels.fetch(r.feed.channelId);
      // Only a channel of the server whose library it is.
      const guild = guildOf(r.feed.library);
      if (channel && 'send' in channel && (guild === null || ('guildId' in channel && channel.guildId === guild))) {
        await channel.send({ content: noticeOf(r), allowedMentions: NO_PINGS });
      }
    } catch (err) {
      ctx.log.warn({ feed: r.feed.url, channel: r.feed.channelId, err: (err as Error).message }, 'could not post a feed notice');
    }
  }
  return results;
}

/** Starts checking feeds every `everyMs` (default a minute); returns the function that stops it. */
export function startFeedPoller(ctx: BotContext, client: Client, everyMs = 60_000): () => void {
  let running = false;
  const tick = async () => {
    if (running || !ctx.isReady()) return;
    running = true;
    try {
      await pollFeeds(ctx, client);
    } catch (err) {
      if (!(err instanceof AbortedError)) ctx.log.error({ err: (err as Error).message }, 'checking feeds failed');
    } finally {
      running = false;
    }
  };
  const timer = setInterval(() => void tick(), everyMs);
  timer.unref();
  void ctx.engine.then(() => tick(), () => {});
  return () => clearInterval(timer);
}
