// /article add file:<attachment> and /article remove name:<autocomplete> (Manage Server only).
import { MessageFlags, SlashCommandBuilder, type AutocompleteInteraction, type ChatInputCommandInteraction } from 'discord.js';
import { ADMIN_PERMISSION, isAdmin, requireAdmin } from '../bot/admin.js';
import type { BotContext } from '../bot/context.js';
import { deliver } from '../bot/deliver.js';
import { ArticleFileError, removeArticle, safeArticleName, saveArticle } from '../bot/corpus-files.js';
import { clip, LIMITS, safe } from '../bot/layout.js';
import { textPayload } from '../bot/respond.js';
import { listCorpus } from '../ingest/read.js';
import { summaryText } from './reindex.js';

export const data = new SlashCommandBuilder()
  .setName('article')
  .setDescription('Add or remove an article (Manage Server)')
  .setDefaultMemberPermissions(ADMIN_PERMISSION)
  .setDMPermission(false)
  .addSubcommand((s) =>
    s.setName('add').setDescription('Add a .txt, .md or .html article and index it').addAttachmentOption((o) => o.setName('file').setDescription('The article file').setRequired(true)),
  )
  .addSubcommand((s) =>
    s.setName('remove').setDescription('Remove an article and its passages').addStringOption((o) => o.setName('name').setDescription('The article file').setRequired(true).setAutocomplete(true)),
  );

/** Runs a file operation after the reply was deferred; a refusal (ArticleFileError) becomes the reply. */
async function fileStep(interaction: ChatInputCommandInteraction, step: () => Promise<unknown>): Promise<boolean> {
  try {
    await step();
    return true;
  } catch (err) {
    if (!(err instanceof ArticleFileError)) throw err;
    await interaction.editReply(textPayload(safe(err.message)));
    return false;
  }
}

async function add(interaction: ChatInputCommandInteraction, ctx: BotContext): Promise<void> {
  const file = interaction.options.getAttachment('file', true);
  let name: string;
  try {
    name = safeArticleName(file.name);
    if (file.size > ctx.config.maxFileBytes) throw new ArticleFileError(`The file is larger than the ${Math.round(ctx.config.maxFileBytes / 1048576)} MB limit.`);
  } catch (err) {
    if (!(err instanceof ArticleFileError)) throw err;
    await interaction.reply({ ...textPayload(safe(err.message)), flags: MessageFlags.Ephemeral });
    return;
  }
  await interaction.deferReply({ flags: MessageFlags.Ephemeral });
  if (!(await fileStep(interaction, () => saveArticle(ctx.config.corpusDir, name, file.url, ctx.config.maxFileBytes)))) return;
  ctx.log.info({ user: interaction.user.id, file: name }, 'article added');
  const summary = await ctx.reindex();
  const rec = (await ctx.engine).index.store.manifest.articles[name];
  const skipped = summary.skipped.find((s) => s.file === name);
  const head = rec
    ? `Added **${safe(name)}** — “${safe(rec.title)}”, ${rec.labels.length} passages, searchable now.`
    : `Saved **${safe(name)}**, but it could not be indexed${skipped ? `: ${safe(skipped.reason)}` : ''}.`;
  await deliver(() => interaction.editReply(textPayload(clip(`${head}\n${summaryText(summary)}`, LIMITS.content))), ctx.log, 'summary');
}

async function remove(interaction: ChatInputCommandInteraction, ctx: BotContext): Promise<void> {
  const name = interaction.options.getString('name', true);
  await interaction.deferReply({ flags: MessageFlags.Ephemeral });
  if (!(await fileStep(interaction, () => removeArticle(ctx.config.corpusDir, name)))) return;
  ctx.log.info({ user: interaction.user.id, file: name }, 'article removed');
  const summary = await ctx.reindex();
  await deliver(() => interaction.editReply(textPayload(clip(`Removed **${safe(name)}**.\n${summaryText(summary)}`, LIMITS.content))), ctx.log, 'summary');
}

export async function execute(interaction: ChatInputCommandInteraction, ctx: BotContext): Promise<void> {
  if (!(await requireAdmin(interaction))) return;
  if (interaction.options.getSubcommand() === 'add') await add(interaction, ctx);
  else await remove(interaction, ctx);
}

export async function autocomplete(interaction: AutocompleteInteraction, ctx: BotContext): Promise<void> {
  if (!isAdmin(interaction)) return interaction.respond([]);
  const typed = interaction.options.getFocused().toLowerCase();
  const { files } = await listCorpus(ctx.config.corpusDir);
  const matches = files.filter((f) => f.file.toLowerCase().includes(typed)).slice(0, 25);
  await interaction.respond(matches.map((f) => ({ name: clip(f.file, 100), value: f.file.slice(0, 100) })));
}

