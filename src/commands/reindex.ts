// /reindex [library] — re-reads this server's library from its uploads (Manage Server), or the shared
// corpus folder (bot owners), with live progress and a summary. Only changed passages are embedded.
import { MessageFlags, SlashCommandBuilder, type ChatInputCommandInteraction } from 'discord.js';
import { ADMIN_PERMISSION, libraryOption, libraryToChange } from '../bot/access.js';
import type { BotContext } from '../bot/context.js';
import { deliver } from '../bot/deliver.js';
import { clip, LIMITS, safe } from '../bot/layout.js';
import { textPayload } from '../bot/payload.js';
import { reindex } from '../engine.js';
import { detailLines, summaryLine } from '../index/summary.js';
import type { IndexSummary } from '../index/update.js';

export const data = new SlashCommandBuilder()
  .setName('reindex')
  .setDescription("Re-read this server's library (Manage Server); only changed passages are embedded")
  .setDefaultMemberPermissions(ADMIN_PERMISSION)
  .setDMPermission(false)
  .addStringOption(libraryOption("Which library: this server's own (default), or the shared corpus folder (bot owners only)"));

export function summaryText(s: IndexSummary): string {
  return clip(safe([summaryLine(s) + '.', ...detailLines(s).map((l) => l.trim())].join('\n')), LIMITS.content);
}

export async function execute(interaction: ChatInputCommandInteraction, ctx: BotContext): Promise<void> {
  const library = await libraryToChange(ctx, interaction);
  if (!library) return;
  if (ctx.isWriting()) {
    await interaction.reply({ ...textPayload('A re-index is already running; try again when it has finished.'), flags: MessageFlags.Ephemeral });
    return;
  }
  await interaction.deferReply({ flags: MessageFlags.Ephemeral });
  let last = 0;
  const summary = await ctx.write((engine, signal) =>
    reindex(engine, {
      libraries: [library],
      signal,
      onProgress: (p) => {
        const now = Date.now();
        if (now - last < 1500 || p.phase !== 'embed') return;
        last = now;
        void interaction.editReply(textPayload(`Re-indexing… embedding ${p.done}/${p.total} passages`)).catch(() => {});
      },
    }),
  );
  await deliver(() => interaction.editReply(textPayload(summaryText(summary))), ctx.log, 'summary');
}
