// /feed add url:<feed or site> [channel] [library], /feed remove url:<autocomplete> [library], /feed list
// [library]: a server's library follows sites' feeds (Manage Server; the shared library: bot owners). New
// entries are fetched and indexed by the poller in the bot (bot/feeds.ts) every FEED_POLL_MINUTES.
import { ChannelType, MessageFlags, SlashCommandBuilder, type AutocompleteInteraction, type ChatInputCommandInteraction } from 'discord.js';
import { ADMIN_PERMISSION, libraryOption, libraryToChange, libraryToSuggest } from '../bot/access.js';
import type { BotContext } from '../bot/context.js';
import { deliver } from '../bot/deliver.js';
import { clip, LIMITS, safe } from '../bot/layout.js';
import { textPayload } from '../bot/payload.js';
import { FeedRefused, followFeed, unfollowFeed, type PollResult } from '../feeds/poll.js';
import { ArticleRefused } from '../index/update.js';
import { SHARED, type FeedRecord } from '../store/types.js';
import { redactUrl } from '../log.js';

export const data = new SlashCommandBuilder()
  .setName('feed')
  .setDescription("Follow sites' feeds: their new articles are added by themselves (Manage Server)")
  .setDefaultMemberPermissions(ADMIN_PERMISSION)
  .setDMPermission(false)
  .addSubcommand((s) =>
    s
      .setName('add')
      .setDescription('Follow a feed (RSS, Atom, JSON Feed), or the one a site links to, and add its articles')
      .addStringOption((o) => o.setName('url').setDescription('The feed’s or the site’s address (https://…)').setRequired(true).setMaxLength(2000))
      .addChannelOption((o) => o.setName('channel').setDescription('Post a one-line notice of new articles here (optional)').addChannelTypes(ChannelType.GuildText, ChannelType.GuildAnnouncement))
      .addStringOption(libraryOption()),
  )
  .addSubcommand((s) =>
    s
      .setName('remove')
      .setDescription('Stop following a feed (its articles stay until removed)')
      .addStringOption((o) => o.setName('url').setDescription('The feed').setRequired(true).setAutocomplete(true))
      .addStringOption(libraryOption()),
  )
  .addSubcommand((s) => s.setName('list').setDescription('The feeds this library follows').addStringOption(libraryOption()));

/** A feed's address as shown in Discord: a private feed's key in its query is not repeated there. */
const shown = (url: string) => redactUrl(url);

/** What a first check of a feed did, in a line or two. */
export function pollText(r: PollResult): string {
  const lines = [
    r.articles.length ? `${r.articles.length} article${r.articles.length === 1 ? '' : 's'} added now.` : 'Nothing new to add now.',
    ...(r.skipped.length ? [`${r.skipped.length} entr${r.skipped.length === 1 ? 'y' : 'ies'} skipped: ${[...new Set(r.skipped.map((s) => s.reason))].slice(0, 3).join('; ')}.`] : []),
    ...r.notes,
  ];
  return lines.join('\n');
}

function feedLine(f: FeedRecord): string {
  const state = f.failures ? `failing (${f.failures}×): ${f.lastError}` : f.checkedAt ? `checked <t:${Math.floor(Date.parse(f.checkedAt) / 1000)}:R>` : 'not checked yet';
  return `• ${f.title ? `**${safe(f.title)}** — ` : ''}<${shown(f.url)}>${f.channelId ? ` → <#${f.channelId}>` : ''} (${safe(state)})`;
}

export async function execute(interaction: ChatInputCommandInteraction, ctx: BotContext): Promise<void> {
  const library = await libraryToChange(ctx, interaction);
  if (!library) return;
  const sub = interaction.options.getSubcommand();
  const engine = await ctx.engine;
  if (sub === 'list') {
    const feeds = await engine.store.feeds([library]);
    const text = feeds.length ? feeds.map(feedLine).join('\n') : 'This library follows no feed. Follow one with `/feed add url:`.';
    await interaction.reply({ ...textPayload(clip(text, LIMITS.content)), flags: MessageFlags.Ephemeral });
    return;
  }
  if (sub === 'remove') {
    try {
      const feed = await unfollowFeed(engine.store, library, interaction.options.getString('url', true));
      ctx.log.info({ user: interaction.user.id, feed: feed.url, library }, 'feed removed');
      await interaction.reply({ ...textPayload(`No longer following <${shown(feed.url)}>. Its articles stay in the library until removed.`), flags: MessageFlags.Ephemeral });
    } catch (err) {
      if (!(err instanceof FeedRefused)) throw err;
      await interaction.reply({ ...textPayload(safe(err.message)), flags: MessageFlags.Ephemeral });
    }
    return;
  }
  const channel = interaction.options.getChannel('channel');
  await interaction.deferReply({ flags: MessageFlags.Ephemeral });
  try {
    const r = await ctx.write((e, signal) => followFeed(e, library, interaction.options.getString('url', true), { channelId: channel?.id ?? null, signal, libraryName: interaction.guild?.name }));
    ctx.log.info({ user: interaction.user.id, feed: r.feed.url, library, added: r.articles.length }, 'feed added');
    const head = `Following ${r.feed.title ? `**${safe(r.feed.title)}** ` : ''}<${shown(r.feed.url)}> in ${library === SHARED ? 'the shared library' : "this server's library"}; checked every ${ctx.config.feedPollMs / 60_000} minutes${channel ? `, new articles noted in <#${channel.id}>` : ''}.`;
    await deliver(() => interaction.editReply(textPayload(clip(`${head}\n${safe(pollText(r))}`, LIMITS.content))), ctx.log, 'summary');
  } catch (err) {
    if (!(err instanceof FeedRefused) && !(err instanceof ArticleRefused)) throw err;
    await interaction.editReply(textPayload(clip(`Not followed: ${safe(err.message)}`, LIMITS.content)));
  }
}

/** The feeds the user may stop following here. */
export async function autocomplete(interaction: AutocompleteInteraction, ctx: BotContext): Promise<void> {
  const library = libraryToSuggest(ctx, interaction);
  if (!library || !ctx.isReady()) return interaction.respond([]);
  const typed = interaction.options.getFocused().toLowerCase();
  const feeds = (await (await ctx.engine).store.feeds([library])).filter((f) => f.url.toLowerCase().includes(typed) || (f.title ?? '').toLowerCase().includes(typed));
  await interaction.respond(feeds.slice(0, 25).map((f) => ({ name: clip(`${f.title ? `${f.title} — ` : ''}${shown(f.url)}`, 100), value: String(f.id) })));
}
