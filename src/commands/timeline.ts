// /timeline topic:<text> [since:<date>] [until:<date>] [private:<bool>] — a story's articles in date order,
// oldest first, one quote each, from the libraries of the place it is asked (the same as /ask), paged.
import { ActionRowBuilder, ButtonBuilder, ButtonStyle, MessageFlags, SlashCommandBuilder, type ButtonInteraction, type ChatInputCommandInteraction } from 'discord.js';
import { scopeOf } from '../bot/access.js';
import { NO_PINGS } from '../bot/client.js';
import type { BotContext } from '../bot/context.js';
import { deliver } from '../bot/deliver.js';
import { timelinePage } from '../bot/layout.js';
import type { RememberedTimeline } from '../bot/memory.js';
import { textPayload, type ReplyPayload } from '../bot/payload.js';
import { periodOfInteraction } from '../bot/period.js';
import { SORRY } from '../bot/respond.js';
import { timeline } from '../engine.js';

export const data = new SlashCommandBuilder()
  .setName('timeline')
  .setDescription("A story's articles in date order, oldest first, each with the passage that best matches it")
  .addStringOption((o) => o.setName('topic').setDescription('What the story is about, e.g. "the dioxin clean-up at Bien Hoa"').setRequired(true))
  .addStringOption((o) => o.setName('since').setDescription('Only articles from this date on, e.g. 2019 or 2019-11'))
  .addStringOption((o) => o.setName('until').setDescription('Only articles up to this date, e.g. 2020'))
  .addBooleanOption((o) => o.setName('private').setDescription('Only you see the timeline'));

const EXPIRED = 'This timeline is too old to page through — please ask for it again.';

function page(id: string, t: RememberedTimeline, n: number): ReplyPayload {
  const { embed, page: p, pages } = timelinePage(t.topic, t.entries, n);
  const row = new ActionRowBuilder<ButtonBuilder>().addComponents(
    new ButtonBuilder().setCustomId(`timeline:${id}:${p - 1}`).setLabel('Earlier').setStyle(ButtonStyle.Secondary).setDisabled(p === 0),
    new ButtonBuilder().setCustomId(`timeline:${id}:${p + 1}`).setLabel('Later').setStyle(ButtonStyle.Secondary).setDisabled(p >= pages - 1),
  );
  return { embeds: [embed], components: pages > 1 ? [row] : [], allowedMentions: NO_PINGS };
}

export async function execute(interaction: ChatInputCommandInteraction, ctx: BotContext): Promise<void> {
  const ephemeral = interaction.options.getBoolean('private') ?? false;
  const within = await periodOfInteraction(interaction);
  if (within === null) return;
  const wait = ctx.limiter.take(interaction.user.id);
  if (wait > 0) {
    await interaction.reply({ ...textPayload(`You're asking quickly — please try again in ${Math.ceil(wait / 1000)} s.`), flags: MessageFlags.Ephemeral });
    return;
  }
  await interaction.deferReply(ephemeral ? { flags: MessageFlags.Ephemeral } : {});
  try {
    const t = await timeline(await ctx.engine, interaction.options.getString('topic', true), { scope: scopeOf(interaction), within });
    if (!t.entries.length) {
      await deliver(() => interaction.editReply(textPayload(t.message ?? 'No articles about that were found.')), ctx.log);
      return;
    }
    const id = ctx.memory.newId();
    const remembered = { topic: t.topic, entries: t.entries, guildId: interaction.guildId ?? null };
    ctx.memory.timelines.set(id, remembered);
    await deliver(() => interaction.editReply(page(id, remembered, 0)), ctx.log, 'timeline');
  } catch (err) {
    ctx.log.error({ err, command: 'timeline' }, 'timeline failed');
    await deliver(() => interaction.editReply(SORRY), ctx.log);
  }
}

export async function turnPage(interaction: ButtonInteraction, ctx: BotContext, id: string, n: number): Promise<void> {
  const t = ctx.memory.timelines.get(id);
  if (!t || t.guildId !== (interaction.guildId ?? null)) {
    await interaction.reply({ ...textPayload(EXPIRED), flags: MessageFlags.Ephemeral });
    return;
  }
  await interaction.update(page(id, t, n));
}
