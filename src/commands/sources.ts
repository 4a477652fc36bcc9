// /sources — the articles this server can be answered from (the shared library and its own), ten to a page.
import { ActionRowBuilder, ButtonBuilder, ButtonStyle, MessageFlags, SlashCommandBuilder, type APIEmbed, type ButtonInteraction, type ChatInputCommandInteraction } from 'discord.js';
import { libraryLabel, scopeOf } from '../bot/access.js';
import { NO_PINGS } from '../bot/client.js';
import type { BotContext } from '../bot/context.js';
import { clip, LIMITS, safe } from '../bot/layout.js';
import type { Engine } from '../engine.js';
import type { Scope } from '../store/types.js';
import { formatDate } from '../text/dates.js';

export const data = new SlashCommandBuilder().setName('sources').setDescription('List the articles Verbatim can quote here');

export const PER_PAGE = 10;

export async function sourcesPage(engine: Engine, scope: Scope, page: number) {
  const articles = await engine.store.articles(scope);
  const pages = Math.max(1, Math.ceil(articles.length / PER_PAGE));
  const p = Math.min(Math.max(0, page), pages - 1);
  const lines = articles.slice(p * PER_PAGE, (p + 1) * PER_PAGE).map((a, i) => {
    const meta = [a.source, formatDate(a.date), `${a.passages} passages`, libraryLabel(a.library)].filter(Boolean).join(', ');
    return `**${p * PER_PAGE + i + 1}.** ${safe(a.title)}\n${safe(meta)} — \`${a.file.replace(/`/g, "'")}\``;
  });
  const embed: APIEmbed = {
    title: `Articles (${articles.length})`,
    description: clip(lines.join('\n') || 'No articles yet. An admin can add one with /article add.', LIMITS.description),
    footer: { text: `Page ${p + 1} of ${pages}` },
  };
  const row = new ActionRowBuilder<ButtonBuilder>().addComponents(
    new ButtonBuilder().setCustomId(`sources:${p - 1}`).setLabel('Previous').setStyle(ButtonStyle.Secondary).setDisabled(p === 0),
    new ButtonBuilder().setCustomId(`sources:${p + 1}`).setLabel('Next').setStyle(ButtonStyle.Secondary).setDisabled(p >= pages - 1),
  );
  return { embeds: [embed], components: pages > 1 ? [row] : [], allowedMentions: NO_PINGS };
}

export async function execute(interaction: ChatInputCommandInteraction, ctx: BotContext): Promise<void> {
  if (!ctx.isReady()) await interaction.deferReply({ flags: MessageFlags.Ephemeral });
  const page = await sourcesPage(await ctx.engine, scopeOf(interaction), 0);
  if (interaction.deferred) await interaction.editReply(page);
  else await interaction.reply({ ...page, flags: MessageFlags.Ephemeral });
}

export async function turnPage(interaction: ButtonInteraction, ctx: BotContext, page: number): Promise<void> {
  await interaction.update(await sourcesPage(await ctx.engine, scopeOf(interaction), page));
}
