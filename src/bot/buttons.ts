// The buttons under an answer: "More sources" (the next passages for the same question) and "Full
// paragraph" (the quoted passages in full). Their state lives in memory for a day; a click on an older
// answer (or after a restart) gets a polite note instead of an error.
import { MessageFlags, type ButtonInteraction } from 'discord.js';
import { ask } from '../engine.js';
import { contextPassages } from '../answer/compose.js';
import { turnPage } from '../commands/sources.js';
import { turnPage as turnTimelinePage } from '../commands/timeline.js';
import type { BotContext } from './context.js';
import { fullTextMessages, layoutAnswer } from './layout.js';
import { NO_PINGS } from './client.js';
import { textPayload } from './payload.js';

const EXPIRED = 'This answer is too old to expand — please ask the question again.';
const MORE = 3;
const MAX_SOURCES = 10;

export async function onButton(interaction: ButtonInteraction, ctx: BotContext): Promise<void> {
  const [kind, arg = '', more = ''] = interaction.customId.split(':');
  if (kind === 'sources') return turnPage(interaction, ctx, Number(arg) || 0);
  if (kind === 'timeline') return turnTimelinePage(interaction, ctx, arg, Number(more) || 0);
  const remembered = ctx.memory.answers.get(arg);
  // An answer's buttons work only where it was given: its passages come from that place's libraries.
  if (!remembered || remembered.guildId !== (interaction.guildId ?? null)) {
    await interaction.reply({ ...textPayload(EXPIRED), flags: MessageFlags.Ephemeral });
    return;
  }
  if (kind === 'full') {
    const [first, ...rest] = fullTextMessages(remembered.shown);
    await interaction.reply({ embeds: first ?? [], allowedMentions: NO_PINGS, flags: MessageFlags.Ephemeral });
    for (const embeds of rest) await interaction.followUp({ embeds, allowedMentions: NO_PINGS, flags: MessageFlags.Ephemeral });
    return;
  }
  if (kind !== 'more') return;
  const shown = remembered.shown.length;
  if (shown >= MAX_SOURCES) {
    await interaction.reply({ ...textPayload('That is all the sources I show for one question.'), flags: MessageFlags.Ephemeral });
    return;
  }
  const answer = await ask(await ctx.engine, remembered.query, { k: Math.min(MAX_SOURCES, shown + MORE), scope: remembered.scope, all: true, within: remembered.within });
  // What was shown includes the first quote's context: those passages are not offered again.
  const seen = new Set(remembered.shown.flatMap((p) => [p, ...contextPassages(p)].map((c) => `${p.library}/${p.file}:${c.start}`)));
  const next = answer.passages.filter((p) => !seen.has(`${p.library}/${p.file}:${p.start}`)).slice(0, MORE);
  if ((!answer.answered && !answer.tentative) || next.length === 0) {
    await interaction.reply({ ...textPayload('There are no more passages that match this question.'), flags: MessageFlags.Ephemeral });
    return;
  }
  next.forEach((p, i) => (p.rank = shown + i + 1));
  const layout = layoutAnswer({ ...answer, question: remembered.question, passages: next }, { footer: 'More sources · quoted verbatim from the articles' });
  remembered.shown.push(...layout.shown);
  await interaction.reply({ embeds: layout.embeds, allowedMentions: NO_PINGS, flags: MessageFlags.Ephemeral });
}
