// /ask question:<text> [sources:1–5] [since:<date>] [until:<date>] [private:<bool>]
import { MessageFlags, SlashCommandBuilder, type ChatInputCommandInteraction } from 'discord.js';
import type { BotContext } from '../bot/context.js';
import { deliver } from '../bot/deliver.js';
import { textPayload } from '../bot/payload.js';
import { periodOfInteraction } from '../bot/period.js';
import { prepareAnswer, SORRY, type Prepared } from '../bot/respond.js';

export const data = new SlashCommandBuilder()
  .setName('ask')
  .setDescription('Ask the articles; get the passages that answer, quoted verbatim with citations')
  .addStringOption((o) => o.setName('question').setDescription('Your question, e.g. "What did they agree on dioxin?"').setRequired(true))
  .addIntegerOption((o) => o.setName('sources').setDescription('How many passages to quote (1–5, default 3)').setMinValue(1).setMaxValue(5))
  .addStringOption((o) => o.setName('since').setDescription('Only articles from this date on, e.g. 2019 or 2019-11'))
  .addStringOption((o) => o.setName('until').setDescription('Only articles up to this date, e.g. 2020'))
  .addBooleanOption((o) => o.setName('private').setDescription('Only you see the answer'));

/** Discord wants an acknowledgement within 3 s; past this the reply is deferred and edited later. */
export const DEFER_AFTER_MS = 1500;

export async function execute(interaction: ChatInputCommandInteraction, ctx: BotContext): Promise<void> {
  const ephemeral = interaction.options.getBoolean('private') ?? false;
  const within = await periodOfInteraction(interaction);
  if (within === null) return;
  const work = prepareAnswer(ctx, interaction.user.id, interaction.options.getString('question', true), interaction.guildId, {
    k: interaction.options.getInteger('sources') ?? undefined,
    ephemeral,
    within,
  });
  const quick = await Promise.race([work, new Promise<null>((r) => setTimeout(() => r(null), DEFER_AFTER_MS).unref())]).catch(() => null);
  let prepared: Prepared;
  if (quick) {
    prepared = quick;
  } else {
    await interaction.deferReply(ephemeral ? { flags: MessageFlags.Ephemeral } : {});
    try {
      prepared = await work;
    } catch (err) {
      ctx.log.error({ err, command: 'ask' }, 'answering failed');
      await deliver(() => interaction.editReply(SORRY), ctx.log);
      return;
    }
  }
  if (prepared.kind === 'refused') {
    if (interaction.deferred) {
      await deliver(() => interaction.editReply(textPayload(prepared.message)), ctx.log);
    } else {
      await interaction.reply({ ...textPayload(prepared.message), flags: MessageFlags.Ephemeral });
    }
    return;
  }
  const payload = prepared.payload;
  const message = interaction.deferred
    ? await deliver(() => interaction.editReply(payload), ctx.log, 'answer')
    : (await interaction.reply({ ...prepared.payload, flags: ephemeral ? MessageFlags.Ephemeral : undefined, withResponse: true })).resource?.message;
  if (message) ctx.memory.conversations.set(message.id, prepared.query);
}
