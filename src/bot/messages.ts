// Questions that arrive as messages: an @mention in a channel, a DM, a reply to one of the bot's answers,
// or a message in a thread the bot started. Replies and thread messages are follow-ups: the earlier
// question is searched along with the new one ("and in 2019?").
import type { Message } from 'discord.js';
import { allowedHere } from './access.js';
import type { BotContext } from './context.js';
import { deliver } from './deliver.js';
import { textPayload } from './payload.js';
import { prepareAnswer } from './respond.js';

export async function onMessage(message: Message, ctx: BotContext, botId: string): Promise<void> {
  if (message.author.bot || message.system || !allowedHere(ctx, message)) return;
  const dm = !message.inGuild();
  const mentioned = message.mentions.users.has(botId);
  const inBotThread = message.channel.isThread() && message.channel.ownerId === botId;
  const repliedTo = message.reference?.messageId;
  const earlier = repliedTo ? ctx.memory.conversations.get(repliedTo) : undefined;
  const replyToBot = !!earlier || message.mentions.repliedUser?.id === botId;
  if (!dm && !mentioned && !inBotThread && !replyToBot) return;

  const previous = earlier ?? (inBotThread ? ctx.memory.conversations.get(message.channelId) : undefined);
  const text = message.content.replace(new RegExp(`<@!?${botId}>`, 'g'), ' ');
  const prepared = await prepareAnswer(ctx, message.author.id, text, message.guildId, { previous });
  const payload = prepared.kind === 'refused' ? textPayload(prepared.message) : prepared.payload;
  const sent = await deliver(() => message.reply(payload), ctx.log, 'answer');
  if (prepared.kind === 'answer') {
    ctx.memory.conversations.set(sent.id, prepared.query);
    if (inBotThread) ctx.memory.conversations.set(message.channelId, prepared.query);
  }
}
