// Turning a question into a Discord reply, shared by /ask, @mentions, DMs and follow-ups.
import { ActionRowBuilder, ButtonBuilder, ButtonStyle } from 'discord.js';
import { ask } from '../engine.js';
import type { Answer } from '../answer/compose.js';
import { cleanQuestion, questionProblem } from '../answer/question.js';
import { scopeOf } from './access.js';
import { NO_PINGS } from './client.js';
import type { Scope } from '../store/types.js';
import type { DaySpan } from '../text/dates.js';
import type { BotContext } from './context.js';
import { layoutAnswer, notFoundContent } from './layout.js';
import { textPayload, type ReplyPayload } from './payload.js';

export type Prepared =
  | { kind: 'refused'; message: string } // the question itself cannot be used, or the user is rate-limited
  | { kind: 'answer'; payload: ReplyPayload; query: string };

function buttons(id: string, more: boolean): ActionRowBuilder<ButtonBuilder> {
  return new ActionRowBuilder<ButtonBuilder>().addComponents(
    new ButtonBuilder().setCustomId(`more:${id}`).setLabel('More sources').setStyle(ButtonStyle.Secondary).setDisabled(!more),
    new ButtonBuilder().setCustomId(`full:${id}`).setLabel('Full paragraph').setStyle(ButtonStyle.Secondary),
  );
}

export function answerPayload(ctx: BotContext, answer: Answer, query: string, where: { scope: Scope; guildId: string | null; within?: DaySpan }, ephemeral: boolean): ReplyPayload {
  if (!answer.answered && !(answer.tentative && answer.passages.length)) return textPayload(notFoundContent(answer));
  const layout = layoutAnswer(answer);
  const id = ctx.memory.newId();
  ctx.memory.answers.set(id, { question: answer.question, query, shown: layout.shown, ephemeral, scope: where.scope, guildId: where.guildId, within: where.within });
  // A tentative answer says so above its quote, in the message itself, so no one takes it for the answer.
  const content = answer.tentative ? { content: notFoundContent({ ...answer, closest: [] }) } : {};
  return { ...content, embeds: layout.embeds, components: [buttons(id, true)], allowedMentions: NO_PINGS };
}

/**
 * Checks, rate-limits and answers a question from the libraries of the place it was asked (`guildId`:
 * the server, or null for a DM); `previous` is the question a follow-up refers to.
 */
export async function prepareAnswer(ctx: BotContext, userId: string, raw: string, guildId: string | null, opts: { k?: number; previous?: string; ephemeral?: boolean; within?: DaySpan } = {}): Promise<Prepared> {
  const question = cleanQuestion(raw);
  const problem = questionProblem(question);
  if (problem) return { kind: 'refused', message: problem };
  const wait = ctx.limiter.take(userId);
  if (wait > 0) {
    return { kind: 'refused', message: `You're asking quickly — please try again in ${Math.ceil(wait / 1000)} s.` };
  }
  const query = opts.previous ? `${opts.previous} ${question}` : question;
  const busy = ctx.rebuilding();
  if (busy) return { kind: 'refused', message: busy };
  const engine = await ctx.engine;
  const scope = scopeOf({ guildId });
  const answer = await ask(engine, query, { k: opts.k ?? ctx.config.topK, scope, within: opts.within });
  answer.question = question;
  return { kind: 'answer', payload: answerPayload(ctx, answer, query, { scope, guildId, within: opts.within }, !!opts.ephemeral), query };
}

export const SORRY = textPayload('Sorry — something went wrong while answering. Please try again in a moment.');

