// A server's library follows the bot's membership: when the bot is removed from a server its library is
// kept for GUILD_RETENTION_DAYS (in case it is invited back) and then deleted; servers outside
// ALLOWED_GUILD_IDS are left at once.
import type { Guild } from 'discord.js';
import { guildLibrary, type LibraryKey } from '../store/types.js';
import type { BotContext } from './context.js';

/** The bot joined (or is back in) a server: remember its name, and cancel a pending deletion. */
export async function onJoined(ctx: BotContext, guild: Pick<Guild, 'id' | 'name'>): Promise<void> {
  const key = guildLibrary(guild.id);
  const store = (await ctx.engine).store;
  const lib = (await store.libraries()).find((l) => l.key === key);
  if (!lib || (lib.leftAt === null && lib.name === guild.name)) return;
  await ctx.write((e) => e.store.commit({ libraries: [{ key, name: guild.name }], leftLibraries: [{ key, at: null }] }));
  if (lib.leftAt) ctx.log.info({ guild: guild.id, name: guild.name }, 'back in a server: its library is kept');
}

/** The bot was removed from a server: its library is deleted after the retention period. */
export async function onLeft(ctx: BotContext, guild: Pick<Guild, 'id' | 'name'>): Promise<void> {
  const key = guildLibrary(guild.id);
  const store = (await ctx.engine).store;
  const lib = (await store.libraries()).find((l) => l.key === key);
  if (!lib || lib.leftAt) return;
  await ctx.write((e) => e.store.commit({ leftLibraries: [{ key, at: new Date().toISOString() }] }));
  ctx.log.info({ guild: guild.id, name: guild.name, articles: lib.articles, retentionDays: ctx.config.guildRetentionDays }, 'removed from a server: its library is kept for the retention period, then deleted');
}

/** Deletes the libraries of servers the bot left more than GUILD_RETENTION_DAYS ago. */
export async function sweepRetention(ctx: BotContext, now = Date.now()): Promise<LibraryKey[]> {
  const store = (await ctx.engine).store;
  const limit = ctx.config.guildRetentionDays * 86_400_000;
  const expired = (await store.libraries()).filter((l) => l.leftAt && now - Date.parse(l.leftAt) >= limit);
  if (!expired.length) return [];
  await ctx.write((e) => e.store.commit({ deleteLibraries: expired.map((l) => l.key) }));
  for (const l of expired) ctx.log.info({ library: l.key, name: l.name, articles: l.articles, leftAt: l.leftAt }, 'deleted the library of a server the bot left (retention period over)');
  return expired.map((l) => l.key);
}
