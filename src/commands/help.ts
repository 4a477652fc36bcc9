// /help
import { MessageFlags, SlashCommandBuilder, type ChatInputCommandInteraction } from 'discord.js';
import type { BotContext } from '../bot/context.js';
import { textPayload } from '../bot/payload.js';

export const data = new SlashCommandBuilder().setName('help').setDescription('How to use Verbatim');

export const HELP = [
  '**Verbatim** answers questions about the articles it has by quoting them word for word, with citations. It never makes text up.',
  '• `/ask question:…` — the best passages, with the matching sentence in **bold** and a citation `[n] Title — Outlet, date, ¶n (file)`. Options: `sources` (1–5), `since` and `until` (dates such as 2019 or 2019-11: only articles of that period), `private`. Time in the question counts too: “in 2019”, “now”, “the latest”, “at first”.',
  '• `/timeline topic:…` — the articles about a story in date order, oldest first, one quote each (`since`, `until`, `private` as for /ask).',
  '• Mention me with a question in a channel, or send me a DM. Reply to one of my answers to follow up ("and in 2019?").',
  '• Buttons: **More sources** shows the next passages; **Full paragraph** shows the quoted passages in full.',
  '• `/sources` lists the articles. Admins (Manage Server): `/article add` (a file, or a page by its `url`), `/article remove`, `/reindex`, and `/feed add url:…` to follow a site’s feed (its new articles are added by themselves), `/feed list`, `/feed remove`.',
  'If the articles do not cover a question, I say so instead of guessing.',
].join('\n');

export async function execute(interaction: ChatInputCommandInteraction, _ctx: BotContext): Promise<void> {
  await interaction.reply({ ...textPayload(HELP), flags: MessageFlags.Ephemeral });
}
