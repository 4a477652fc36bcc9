// The discord.js client: the fewest intents that work (guilds, guild messages + message content for
// @mentions, direct messages), REST base from DISCORD_API_URL, and no mentions parsed by default.
import { Client, GatewayIntentBits, Partials } from 'discord.js';
import type { Config } from '../config.js';

export const NO_PINGS = { parse: [], repliedUser: false } as const;

export function createClient(config: Config): Client {
  return new Client({
    intents: [GatewayIntentBits.Guilds, GatewayIntentBits.GuildMessages, GatewayIntentBits.MessageContent, GatewayIntentBits.DirectMessages],
    partials: [Partials.Channel], // DM channels arrive uncached
    rest: { api: config.discordApiUrl },
    allowedMentions: { parse: [], repliedUser: false },
  });
}
