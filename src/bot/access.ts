// Who may see and change what. A question in a server searches the shared library and that server's own;
// a DM searches the shared library only. A server's members with Manage Server change only their server's
// library; the shared library is changed only by the bot's owners (BOT_OWNER_IDS, or the application's
// owner or team). Discord hides the admin commands from others (default_member_permissions); every action
// is checked again here, at run time, and every refusal says why.
import { MessageFlags, PermissionFlagsBits, type AutocompleteInteraction, type ChatInputCommandInteraction, type Interaction, type Message, type SlashCommandStringOption } from 'discord.js';
import { guildLibrary, SHARED, type LibraryKey, type Scope } from '../store/types.js';
import type { BotContext } from './context.js';
import { textPayload } from './payload.js';

export const ADMIN_PERMISSION = PermissionFlagsBits.ManageGuild;

/** The libraries a question asked here may be answered from. */
export function scopeOf(where: { guildId: string | null }): Scope {
  return where.guildId ? [SHARED, guildLibrary(where.guildId)] : [SHARED];
}

export function isAdmin(interaction: ChatInputCommandInteraction | AutocompleteInteraction): boolean {
  return interaction.inGuild() && !!interaction.memberPermissions?.has(ADMIN_PERMISSION);
}

export function isOwner(ctx: BotContext, userId: string): boolean {
  return ctx.owners().has(userId);
}

export type LibraryChoice = 'server' | 'shared';

/** The `library` option every admin command takes; `choiceOf` reads it. */
export function libraryOption(description = "Which library: this server's own (default), or the shared one (bot owners only)") {
  return (o: SlashCommandStringOption) =>
    o
      .setName('library')
      .setDescription(description)
      .addChoices({ name: 'this server', value: 'server' }, { name: 'shared (bot owners)', value: 'shared' });
}

export function choiceOf(interaction: ChatInputCommandInteraction | AutocompleteInteraction): LibraryChoice {
  return interaction.options.getString('library') === 'shared' ? 'shared' : 'server';
}

/** May this user change this library from here? */
export function mayChange(ctx: BotContext, interaction: ChatInputCommandInteraction | AutocompleteInteraction, choice: LibraryChoice): boolean {
  return choice === 'shared' ? isOwner(ctx, interaction.user.id) : isAdmin(interaction);
}

/**
 * The library an admin command acts on, or null after refusing (ephemerally) with the reason: server
 * libraries need Manage Server in that server, the shared library needs a bot owner.
 */
export async function libraryToChange(ctx: BotContext, interaction: ChatInputCommandInteraction): Promise<LibraryKey | null> {
  const choice = choiceOf(interaction);
  let refusal: string | null = null;
  if (choice === 'shared') {
    if (!isOwner(ctx, interaction.user.id)) refusal = "Only the bot's owners can change the shared library (it is what every server reads). Leave `library` unset to change this server's own.";
  } else if (!interaction.inGuild()) {
    refusal = "That command works in a server, for members with Manage Server; it changes that server's library.";
  } else if (!isAdmin(interaction)) {
    refusal = 'Only members with the **Manage Server** permission can change this server’s library.';
  }
  if (refusal) {
    await interaction.reply({ ...textPayload(refusal), flags: MessageFlags.Ephemeral });
    return null;
  }
  return choice === 'shared' ? SHARED : guildLibrary(interaction.guildId!);
}

/** The library an admin command's autocomplete may list from: the one it would change, or null if this user may not. */
export function libraryToSuggest(ctx: BotContext, interaction: AutocompleteInteraction): LibraryKey | null {
  const choice = choiceOf(interaction);
  if (!mayChange(ctx, interaction, choice) || (choice === 'server' && !interaction.guildId)) return null;
  return choice === 'shared' ? SHARED : guildLibrary(interaction.guildId!);
}

export const NOT_ALLOWED = 'This bot is private and does not serve this server.';

/** With ALLOWED_GUILD_IDS set, anything from another server is refused (and the bot leaves it). */
export function allowedHere(ctx: BotContext, where: Interaction | Message): boolean {
  const allowed = ctx.config.allowedGuildIds;
  return !allowed || !where.guildId || allowed.includes(where.guildId);
}

/** How a citation names the library an article came from. */
export function libraryLabel(library: LibraryKey): string {
  return library === SHARED ? 'shared' : 'this server';
}
