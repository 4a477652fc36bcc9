// Every slash command: discord.js guide layout, one file per command exporting `data` and `execute`.
import type { AutocompleteInteraction, ChatInputCommandInteraction, SlashCommandOptionsOnlyBuilder, SlashCommandSubcommandsOnlyBuilder } from 'discord.js';
import type { BotContext } from '../bot/context.js';
import * as article from './article.js';
import * as ask from './ask.js';
import * as feed from './feed.js';
import * as help from './help.js';
import * as reindex from './reindex.js';
import * as sources from './sources.js';
import * as timeline from './timeline.js';

export interface Command {
  data: SlashCommandOptionsOnlyBuilder | SlashCommandSubcommandsOnlyBuilder | Pick<SlashCommandOptionsOnlyBuilder, 'name' | 'toJSON'>;
  execute(interaction: ChatInputCommandInteraction, ctx: BotContext): Promise<void>;
  autocomplete?(interaction: AutocompleteInteraction, ctx: BotContext): Promise<void>;
}

export const commands: Command[] = [ask, timeline, sources, reindex, article, feed, help];
