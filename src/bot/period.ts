// The since:/until: options of /ask and /timeline: dates with a year, as people write them.
import { MessageFlags, type ChatInputCommandInteraction } from 'discord.js';
import { between, periodOf, type DaySpan } from '../text/dates.js';
import { textPayload } from './payload.js';

/** The days between `since` and `until` (undefined: neither given), or what is wrong with them. */
export function periodOption(since: string | null, until: string | null): DaySpan | undefined | string {
  const from = since ? periodOf(since) : null;
  if (since && !from) return `“since: ${since.slice(0, 40)}” is not a date with a year — try 2019, 2019-11 or November 20, 2019.`;
  const to = until ? periodOf(until) : null;
  if (until && !to) return `“until: ${until.slice(0, 40)}” is not a date with a year — try 2020, 2020-06 or June 30, 2020.`;
  const within = between(from, to);
  if (within && within.from > within.to) return '“since” is after “until”: nothing can be in between.';
  return within;
}

/**
 * The period an interaction's since:/until: options give (undefined: none), or null once it has been told
 * privately what is wrong with them.
 */
export async function periodOfInteraction(interaction: ChatInputCommandInteraction): Promise<DaySpan | undefined | null> {
  const within = periodOption(interaction.options.getString('since'), interaction.options.getString('until'));
  if (typeof within !== 'string') return within;
  await interaction.reply({ ...textPayload(within), flags: MessageFlags.Ephemeral });
  return null;
}
