// Admin actions are for members with Manage Server. Discord hides the commands from others
// (default_member_permissions), and every action checks again here, at run time.
import { MessageFlags, PermissionFlagsBits, type ChatInputCommandInteraction, type AutocompleteInteraction } from 'discord.js';
import { textPayload } from './respond.js';

export const ADMIN_PERMISSION = PermissionFlagsBits.ManageGuild;

export function isAdmin(interaction: ChatInputCommandInteraction | AutocompleteInteraction): boolean {
  return interaction.inGuild() && !!interaction.memberPermissions?.has(ADMIN_PERMISSION);
}

/** Refuses (ephemerally) and returns false unless the member may administer Verbatim. */
export async function requireAdmin(interaction: ChatInputCommandInteraction): Promise<boolean> {
  if (isAdmin(interaction)) return true;
  await interaction.reply({
    ...textPayload(interaction.inGuild() ? 'Only members with the **Manage Server** permission can do that.' : 'That command only works in a server, for members with Manage Server.'),
    flags: MessageFlags.Ephemeral,
  });
  return false;
}
