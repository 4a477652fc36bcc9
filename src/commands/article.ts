// /article add file:<attachment> | url:<address> [library] and /article remove name:<autocomplete> [library].
// A page added by address is fetched safely (fetch/), read like a saved page, and identified by its
// canonical address: adding it again updates it in place.
// `library: server` (the default) is this server's own library, for members with Manage Server;
// `library: shared` is the corpus every server reads, for the bot's owners only.
import { MessageFlags, SlashCommandBuilder, type AutocompleteInteraction, type ChatInputCommandInteraction } from 'discord.js';
import { ADMIN_PERMISSION, libraryOption, libraryToChange, libraryToSuggest } from '../bot/access.js';
import type { BotContext } from '../bot/context.js';
import { deliver } from '../bot/deliver.js';
import { ArticleFileError, downloadArticle, removeArticle as removeFile, safeArticleName, saveArticle } from '../bot/corpus-files.js';
import { clip, LIMITS, safe } from '../bot/layout.js';
import { textPayload } from '../bot/payload.js';
import { addArticle, addFromWeb, deleteArticle, reindex } from '../engine.js';
import { ArticleRefused } from '../index/update.js';
import { SHARED, type LibraryKey } from '../store/types.js';
import { summaryText } from './reindex.js';

export const data = new SlashCommandBuilder()
  .setName('article')
  .setDescription("Add or remove an article in this server's library (Manage Server)")
  .setDefaultMemberPermissions(ADMIN_PERMISSION)
  .setDMPermission(false)
  .addSubcommand((s) =>
    s
      .setName('add')
      .setDescription('Add an article by its address, or a .txt, .md or .html file, and index it')
      .addStringOption((o) => o.setName('url').setDescription('The article’s address (https://…)').setMaxLength(2000))
      .addAttachmentOption((o) => o.setName('file').setDescription('The article file'))
      .addStringOption(libraryOption()),
  )
  .addSubcommand((s) =>
    s
      .setName('remove')
      .setDescription('Remove an article and its passages')
      .addStringOption((o) => o.setName('name').setDescription('The article file').setRequired(true).setAutocomplete(true))
      .addStringOption(libraryOption()),
  );

/** A refusal the user can act on (a bad file, a full library, a missing article) becomes the reply. */
async function refusable(interaction: ChatInputCommandInteraction, step: () => Promise<void>): Promise<void> {
  try {
    await step();
  } catch (err) {
    if (!(err instanceof ArticleFileError) && !(err instanceof ArticleRefused)) throw err;
    const payload = textPayload(safe(err.message));
    if (interaction.deferred || interaction.replied) await interaction.editReply(payload);
    else await interaction.reply({ ...payload, flags: MessageFlags.Ephemeral });
  }
}

async function addUrl(interaction: ChatInputCommandInteraction, ctx: BotContext, library: LibraryKey, url: string): Promise<void> {
  await interaction.deferReply({ flags: MessageFlags.Ephemeral });
  const { pages } = await ctx.write((engine, signal) => addFromWeb(engine, library, [url], { signal, libraryName: interaction.guild?.name }));
  const p = pages[0];
  ctx.log.info({ user: interaction.user.id, url: p.url ?? url, status: p.status, library }, 'article added by address');
  const where = library === SHARED ? 'the shared library (every server)' : "this server's library";
  const what = p.title ? `“${safe(p.title)}”${p.source ? ` (${safe(p.source)})` : ''}, ${p.passages} passages` : '';
  const text =
    p.status === 'skipped'
      ? `Not added: ${safe(p.reason ?? 'it could not be read')}.`
      : p.status === 'unchanged'
        ? `Already in ${where}, unchanged: ${what} — <${p.url}>.`
        : `${p.status === 'updated' ? 'Updated' : 'Added'} ${what} in ${where}, searchable now — <${p.url}>.`;
  await deliver(() => interaction.editReply(textPayload(clip(text, LIMITS.content))), ctx.log, 'summary');
}

async function add(interaction: ChatInputCommandInteraction, ctx: BotContext, library: LibraryKey): Promise<void> {
  const url = interaction.options.getString('url');
  const file = interaction.options.getAttachment('file');
  if (!!url === !!file) throw new ArticleFileError('Give either a `url` (the article’s address) or a `file` to add, not both.');
  if (url) return addUrl(interaction, ctx, library, url);
  if (!file) return;
  const name = safeArticleName(file.name);
  if (file.size > ctx.config.maxFileBytes) throw new ArticleFileError(`The file is larger than the ${Math.round(ctx.config.maxFileBytes / 1048576)} MB limit.`);
  await interaction.deferReply({ flags: MessageFlags.Ephemeral });
  const bytes = await downloadArticle(file.url, ctx.config.maxFileBytes);
  const summary = await ctx.write(async (engine, signal) => {
    if (library !== SHARED) return addArticle(engine, library, name, bytes, { signal, libraryName: interaction.guild?.name });
    // The shared library is the corpus folder: the file goes there, so the folder stays its record.
    if (await engine.store.article(SHARED, name)) throw new ArticleRefused(`An article named "${name}" already exists in the shared library.`);
    await saveArticle(engine.config.corpusDir, name, bytes);
    return reindex(engine, { libraries: [SHARED], signal });
  });
  ctx.log.info({ user: interaction.user.id, file: name, library }, 'article added');
  const rec = await (await ctx.engine).store.article(library, name);
  const skipped = summary.skipped.find((s) => s.file === name);
  const where = library === SHARED ? 'the shared library (every server)' : "this server's library";
  const head = rec
    ? `Added **${safe(name)}** to ${where} — “${safe(rec.title)}”, ${rec.passages} passages, searchable now.`
    : `Saved **${safe(name)}**, but it could not be indexed${skipped ? `: ${safe(skipped.reason)}` : ''}.`;
  await deliver(() => interaction.editReply(textPayload(clip(`${head}\n${summaryText(summary)}`, LIMITS.content))), ctx.log, 'summary');
}

async function remove(interaction: ChatInputCommandInteraction, ctx: BotContext, library: LibraryKey): Promise<void> {
  const name = interaction.options.getString('name', true);
  await interaction.deferReply({ flags: MessageFlags.Ephemeral });
  const summary = await ctx.write(async (engine, signal) => {
    if (!(await engine.store.article(library, name))) {
      throw new ArticleRefused(`There is no article named "${name}" in ${library === SHARED ? 'the shared library' : "this server's library"}.`);
    }
    if (library !== SHARED) return deleteArticle(engine, library, name, { signal });
    await removeFile(engine.config.corpusDir, name);
    return reindex(engine, { libraries: [SHARED], signal });
  });
  ctx.log.info({ user: interaction.user.id, file: name, library }, 'article removed');
  await deliver(() => interaction.editReply(textPayload(clip(`Removed **${safe(name)}**.\n${summaryText(summary)}`, LIMITS.content))), ctx.log, 'summary');
}

export async function execute(interaction: ChatInputCommandInteraction, ctx: BotContext): Promise<void> {
  const library = await libraryToChange(ctx, interaction);
  if (!library) return;
  await refusable(interaction, () => (interaction.options.getSubcommand() === 'add' ? add(interaction, ctx, library) : remove(interaction, ctx, library)));
}

/** Names of the articles the user may remove here; nothing for anyone else. */
export async function autocomplete(interaction: AutocompleteInteraction, ctx: BotContext): Promise<void> {
  const library = libraryToSuggest(ctx, interaction);
  if (!library) return interaction.respond([]);
  const typed = interaction.options.getFocused().toLowerCase();
  const articles = ctx.isReady() ? await (await ctx.engine).store.articles([library]) : [];
  const matches = articles.filter((a) => a.file.toLowerCase().includes(typed) || a.title.toLowerCase().includes(typed)).slice(0, 25);
  await interaction.respond(matches.map((a) => ({ name: clip(`${a.file} — ${a.title}`, 100), value: a.file.slice(0, 100) })));
}
