// Starts the Discord bot: logs in at once (so Discord sees it online), loads the model and index in the
// background, registers the slash commands with one PUT of the whole set, and routes events. A failure in
// one handler is logged and answered with an apology; it never takes the bot down.
import { DiscordAPIError, Events, MessageFlags, Routes, type Client, type Interaction, type RepliableInteraction } from 'discord.js';
import { ConfigError, type Config } from '../config.js';
import { openEngine, reindex, type Engine } from '../engine.js';
import type { IndexProgress, IndexSummary } from '../index/update.js';
import { summaryLine } from '../index/summary.js';
import { createLogger, type Logger } from '../log.js';
import { commands } from '../commands/index.js';
import { onButton } from './buttons.js';
import { createClient } from './client.js';
import type { BotContext } from './context.js';
import { createMemory } from './memory.js';
import { onMessage } from './messages.js';
import { createRateLimiter, type RateLimiter } from './ratelimit.js';
import { SORRY } from './respond.js';

export const MISSING_TOKEN = [
  'DISCORD_TOKEN is not set, so the bot cannot connect.',
  'Create an application at https://discord.com/developers/applications, open Bot → Reset Token, and put the',
  'token in .env as DISCORD_TOKEN=… (see README, "Running the Discord bot").',
  'To ask questions without Discord: npm run -s cli -- chat',
].join('\n');

export interface RunningBot {
  client: Client;
  ctx: BotContext;
  /** Resolves when commands are registered and the bot is online. */
  online: Promise<void>;
  /** Rejects, with a message saying what to fix, when Discord refuses the login. */
  connected: Promise<void>;
  stop(): Promise<void>;
}

export interface StartOptions {
  log?: Logger;
  /** An engine already opened (tests); otherwise one is opened from `config`. */
  engine?: Promise<Engine>;
  limiter?: RateLimiter;
}

// Discord error codes for an interaction whose token is no longer valid.
const GONE = new Set([10062, 10008, 10015, 50027, 40060]);

async function apologise(interaction: RepliableInteraction, log: Logger): Promise<void> {
  try {
    if (interaction.deferred || interaction.replied) await interaction.editReply(SORRY);
    else await interaction.reply({ ...SORRY, flags: MessageFlags.Ephemeral });
  } catch (err) {
    log.warn({ err: (err as Error).message }, 'could not send the apology either');
  }
}

function loginProblem(err: Error): string {
  const text = `${(err as { code?: string }).code ?? ''} ${err.message}`;
  if (/TokenInvalid|401|invalid token/i.test(text)) return 'Discord refused DISCORD_TOKEN: reset the token in the developer portal (Bot → Reset Token) and update .env.';
  if (/disallowed intents|4014/i.test(text)) return 'Discord refused the Message Content intent: enable it in the developer portal (Bot → Privileged Gateway Intents).';
  return `Could not connect to Discord: ${err.message}`;
}

export function startBot(config: Config, opts: StartOptions = {}): RunningBot {
  if (!config.discordToken) throw new ConfigError(MISSING_TOKEN);
  const log = opts.log ?? createLogger(config.logLevel);
  let ready = false;
  const engine =
    opts.engine ??
    openEngine(config, {
      onStatus: (m) => log.info(m),
      onIndexed: (s) => log.info({ files: s.files, passages: s.passages, embedded: s.embedded, skipped: s.skipped }, summaryLine(s)),
    });
  void engine.then(
    () => {
      ready = true;
      log.info('model and index loaded; answering questions');
    },
    () => {},
  );

  let indexing: Promise<IndexSummary> | null = null;
  const ctx: BotContext = {
    config,
    log,
    engine,
    isReady: () => ready,
    limiter: opts.limiter ?? createRateLimiter(),
    memory: createMemory(),
    isIndexing: () => indexing !== null,
    reindex(onProgress?: (p: IndexProgress) => void) {
      indexing ??= engine
        .then((e) => reindex(e, { onProgress, onStatus: (m) => log.info(m) }))
        .then((s) => {
          log.info({ added: s.added, updated: s.updated, deleted: s.deleted, skipped: s.skipped }, summaryLine(s));
          return s;
        })
        .finally(() => {
          indexing = null;
        });
      return indexing;
    },
  };

  const client = createClient(config);
  const byName = new Map(commands.map((c) => [c.data.name, c]));

  client.on(Events.InteractionCreate, async (interaction: Interaction) => {
    const started = Date.now();
    try {
      if (interaction.isChatInputCommand()) {
        const command = byName.get(interaction.commandName);
        if (!command) return;
        await command.execute(interaction, ctx);
        log.info({ command: interaction.commandName, user: interaction.user.id, ms: Date.now() - started }, 'command');
      } else if (interaction.isAutocomplete()) {
        await byName.get(interaction.commandName)?.autocomplete?.(interaction, ctx);
      } else if (interaction.isButton()) {
        await onButton(interaction, ctx);
      }
    } catch (err) {
      if (err instanceof DiscordAPIError && GONE.has(Number(err.code))) {
        log.warn({ code: err.code, kind: interaction.type }, 'interaction expired before it could be answered');
        return;
      }
      log.error({ err, kind: interaction.type }, 'interaction failed');
      if (interaction.isRepliable()) await apologise(interaction, log);
    }
  });

  client.on(Events.MessageCreate, async (message) => {
    try {
      await onMessage(message, ctx, client.user!.id);
    } catch (err) {
      log.error({ err, channel: message.channelId }, 'answering a message failed');
    }
  });

  client.on(Events.Error, (err) => log.error({ err }, 'discord client error'));
  client.rest.on('rateLimited', (info) => log.warn({ route: info.route, retryAfter: info.retryAfter }, 'rate limited by Discord'));

  const online = new Promise<void>((resolve, reject) => {
    client.once(Events.ClientReady, async (c) => {
      try {
        const body = commands.map((cmd) => cmd.data.toJSON());
        const route = config.discordGuildId ? Routes.applicationGuildCommands(c.application.id, config.discordGuildId) : Routes.applicationCommands(c.application.id);
        await c.rest.put(route, { body });
        log.info({ user: c.user.tag, commands: body.length, scope: config.discordGuildId ? 'guild' : 'global' }, 'online');
        resolve();
      } catch (err) {
        reject(err);
      }
    });
  });
  online.catch((err) => log.error({ err }, 'could not register slash commands'));
  const connected = client.login(config.discordToken).then(
    () => undefined,
    (err: Error) => {
      throw new Error(loginProblem(err));
    },
  );
  connected.catch((err: Error) => log.error(err.message));

  return {
    client,
    ctx,
    online,
    connected,
    async stop() {
      await indexing?.catch(() => {});
      await client.destroy();
    },
  };
}

/** `verbatim bot` / `npm start`: runs until SIGINT or SIGTERM. */
export async function runBot(config: Config): Promise<void> {
  const bot = startBot(config);
  const { log } = bot.ctx;
  const fail = async (err: Error) => {
    log.fatal(err.message);
    process.stderr.write(`${err.message}\n`);
    await bot.stop().catch(() => {});
    process.exit(1);
  };
  bot.ctx.engine.catch(fail);
  bot.connected.catch(fail);
  await new Promise<void>((resolve) => {
    const shutdown = (signal: string) => {
      log.info({ signal }, 'shutting down');
      void bot.stop().then(resolve);
    };
    process.once('SIGINT', shutdown);
    process.once('SIGTERM', shutdown);
  });
}
