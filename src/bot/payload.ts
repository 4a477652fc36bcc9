// What every reply of the bot is made of, pinging nobody (allowedMentions: { parse: [] }).
import type { ActionRowBuilder, APIEmbed, ButtonBuilder } from 'discord.js';
import { NO_PINGS } from './client.js';

export interface ReplyPayload {
  content?: string;
  embeds: APIEmbed[];
  components: ActionRowBuilder<ButtonBuilder>[];
  allowedMentions: typeof NO_PINGS;
}

export function textPayload(content: string): ReplyPayload {
  return { content, embeds: [], components: [], allowedMentions: NO_PINGS };
}
