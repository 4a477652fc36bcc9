// /reindex — incremental re-index with live progress and a summary (Manage Server only).
import { MessageFlags, SlashCommandBuilder, type ChatInputCommandInteraction } from 'discord.js';
import { ADMIN_PERMISSION, requireAdmin } from '../bot/admin.js';
import type { BotContext } from '../bot/context.js';
import { deliver } from '../bot/deliver.js';
import { clip, LIMITS, safe } from '../bot/layout.js';
import { textPayload } from '../bot/respond.js';
import { detailLines, summaryLine } from '../index/summary.js';
import type { IndexSummary } from '../index/update.js';

export const data = new SlashCommandBuilder()
  .setName('reindex')
  .setDescription('Re-index the articles folder (only new and changed passages are embedded)')
  .setDefaultMemberPermissions(ADMIN_PERMISSION)
  .setDMPermission(false);

export function summaryText(s: IndexSummary): string {
  return clip(safe([summaryLine(s) + '.', ...detailLines(s).map((l) => l.trim())].join('\n')), LIMITS.content);
}

export async function execute(interaction: ChatInputCommandInteraction, ctx: BotContext): Promise<void> {
  if (!(await requireAdmin(interaction))) return;
  if (ctx.isIndexing()) {
    await interaction.reply({ ...textPayload('A re-index is already running; its summary will follow.'), flags: MessageFlags.Ephemeral });
    return;
  }
  await interaction.deferReply();
  let last = 0;
  const summary = await ctx.reindex((p) => {
    const now = Date.now();
    if (now - last < 1500 || p.phase !== 'embed') return;
    last = now;
    void interaction.editReply(textPayload(`Re-indexing… embedding ${p.done}/${p.total} passages`)).catch(() => {});
  });
  await deliver(() => interaction.editReply(textPayload(summaryText(summary))), ctx.log, 'summary');
}
