// Starts the Discord bot: logs in at once (so Discord sees it online), loads the model and store in the
// background, registers the slash commands with one PUT of the whole set, and routes events. A failure in
// one handler is logged and answered with an apology; it never takes the bot down. Stopping is bounded:
// an update in progress stops before its commit (or its commit completes), and the process ends within
// seconds whatever state the gateway is in.
import { DiscordAPIError, Events, MessageFlags, Routes, Team, type Client, type Interaction, type RepliableInteraction } from 'discord.js';
import { ConfigError, type Config } from '../config.js';
import { closeEngine, openEngine, type Engine } from '../engine.js';
import { AbortedError } from '../index/update.js';
import { summaryLine } from '../index/summary.js';
import { createLogger, type Logger } from '../log.js';
import { commands } from '../commands/index.js';
import { allowedHere, NOT_ALLOWED } from './access.js';
import { onButton } from './buttons.js';
import { createClient } from './client.js';
import type { BotContext } from './context.js';
import { onJoined, onLeft, sweepRetention } from './libraries.js';
import { startFeedPoller } from './feeds.js';
import { createMemory } from './memory.js';
import { onMessage } from './messages.js';
import { createRateLimiter, type RateLimiter } from './ratelimit.js';
import { textPayload } from './payload.js';
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
  /** Stops within `STOP_TIMEOUT_MS`, whatever the gateway is doing. */
  stop(): Promise<void>;
}

export interface StartOptions {
  log?: Logger;
  /** An engine already opened (tests); otherwise one is opened from `config`. */
  engine?: Promise<Engine>;
  limiter?: RateLimiter;
  /** How often the feeds that are due are checked (default every minute). */
  feedCheckEveryMs?: number;
  /** How often libraries past their retention period are deleted (default hourly). */
  sweepEveryMs?: number;
}

/** Each step of stopping (finishing a write, closing the gateway) gets at most this long. */
export const STOP_TIMEOUT_MS = 4_000;

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

const within = <T>(p: Promise<T>, ms: number): Promise<T | undefined> =>
  Promise.race([p, new Promise<undefined>((r) => setTimeout(() => r(undefined), ms).unref())]);

export function startBot(config: Config, opts: StartOptions = {}): RunningBot {
  if (!config.discordToken) throw new ConfigError(MISSING_TOKEN);
  const log = opts.log ?? createLogger(config.logLevel);
  let ready = false;
  let rebuilding: string | null = null;
  const stopping = new AbortController();
  const engine =
    opts.engine ??
    openEngine(config, {
      signal: stopping.signal,
      onStatus: (m) => log.info(m),
      onRebuild: (c) => {
        rebuilding = `The index is being rebuilt for a new embedding model (${c.passages.toLocaleString('en')} passages, re-embedded once) — please ask again in a few minutes.`;
      },
      onIndexed: (s) => log.info({ files: s.files, passages: s.passages, embedded: s.embedded, skipped: s.skipped }, summaryLine(s)),
    });
  void engine.then(
    () => {
      ready = true;
      log.info('model and index loaded; answering questions');
    },
    () => {},
  );

  let owners = new Set(config.botOwnerIds ?? []);
  let queue: Promise<unknown> = Promise.resolve();
  let writing = 0;
  const ctx: BotContext = {
    config,
    log,
    engine,
    isReady: () => ready,
    rebuilding: () => (ready ? null : rebuilding),
    limiter: opts.limiter ?? createRateLimiter(),
    memory: createMemory(),
    owners: () => owners,
    isWriting: () => writing > 0,
    write<T>(job: (e: Engine, signal: AbortSignal) => Promise<T>): Promise<T> {
      writing++;
      const run = queue.then(async () => {
        if (stopping.signal.aborted) throw new AbortedError();
        return job(await engine, stopping.signal);
      });
      queue = run.catch(() => {}).finally(() => writing--);
      return run;
    },
  };

  const client = createClient(config);
  const byName = new Map(commands.map((c) => [c.data.name, c]));

  const leaveIfNotAllowed = async (guild: { id: string; name: string; leave(): Promise<unknown> }): Promise<boolean> => {
    if (!config.allowedGuildIds || config.allowedGuildIds.includes(guild.id)) return false;
    log.warn({ guild: guild.id, name: guild.name }, 'leaving a server that is not in ALLOWED_GUILD_IDS');
    await guild.leave().catch((err: Error) => log.error({ err: err.message, guild: guild.id }, 'could not leave the server'));
    return true;
  };

  client.on(Events.InteractionCreate, async (interaction: Interaction) => {
    const started = Date.now();
    try {
      if (!allowedHere(ctx, interaction)) {
        log.warn({ guild: interaction.guildId, user: interaction.user.id }, 'refused an interaction from a server not in ALLOWED_GUILD_IDS');
        if (interaction.isAutocomplete()) await interaction.respond([]);
        else if (interaction.isRepliable()) await interaction.reply({ ...textPayload(NOT_ALLOWED), flags: MessageFlags.Ephemeral });
        return;
      }
      if (interaction.isChatInputCommand()) {
        const command = byName.get(interaction.commandName);
        if (!command) return;
        await command.execute(interaction, ctx);
        log.info({ command: interaction.commandName, user: interaction.user.id, guild: interaction.guildId, ms: Date.now() - started }, 'command');
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
      if (err instanceof AbortedError) return; // shutting down
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

  client.on(Events.GuildCreate, async (guild) => {
    try {
      if (await leaveIfNotAllowed(guild)) return;
      await onJoined(ctx, guild);
    } catch (err) {
      log.error({ err, guild: guild.id }, 'joining a server failed');
    }
  });
  client.on(Events.GuildDelete, async (guild) => {
    try {
      await onLeft(ctx, guild);
    } catch (err) {
      log.error({ err, guild: guild.id }, 'leaving a server failed');
    }
  });

  client.on(Events.Error, (err) => log.error({ err }, 'discord client error'));
  client.rest.on('rateLimited', (info) => log.warn({ route: info.route, retryAfter: info.retryAfter }, 'rate limited by Discord'));

  const sweep = () =>
    void sweepRetention(ctx).catch((err: Error) => {
      if (!(err instanceof AbortedError)) log.error({ err: err.message }, 'deleting expired libraries failed');
    });
  const sweeper = setInterval(sweep, opts.sweepEveryMs ?? 3600_000);
  sweeper.unref();
  void engine.then(sweep, () => {});
  const stopPolling = startFeedPoller(ctx, client, opts.feedCheckEveryMs);

  const online = new Promise<void>((resolve, reject) => {
    client.once(Events.ClientReady, async (c) => {
      try {
        const body = commands.map((cmd) => cmd.data.toJSON());
        const route = config.discordGuildId ? Routes.applicationGuildCommands(c.application.id, config.discordGuildId) : Routes.applicationCommands(c.application.id);
        await c.rest.put(route, { body });
        if (!config.botOwnerIds) {
          const app = await c.application.fetch();
          owners = new Set(app.owner instanceof Team ? app.owner.members.map((m) => m.user.id) : app.owner ? [app.owner.id] : []);
        }
        log.info({ user: c.user.tag, commands: body.length, scope: config.discordGuildId ? 'guild' : 'global', owners: owners.size }, 'online');
        for (const guild of c.guilds.cache.values()) await leaveIfNotAllowed(guild);
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

  let stopped: Promise<void> | null = null;
  return {
    client,
    ctx,
    online,
    connected,
    stop() {
      stopped ??= (async () => {
        clearInterval(sweeper);
        stopPolling();
        stopping.abort();
        // A write in progress either stops before its commit or finishes it; it is never left half-done.
        if ((await within(queue.then(() => true), STOP_TIMEOUT_MS)) === undefined) log.warn('a write did not finish in time; its commit, if any, is rolled back');
        await within(client.destroy().catch(() => {}), STOP_TIMEOUT_MS);
        const e = await within(engine.catch(() => null), 100);
        if (e && opts.engine === undefined) await closeEngine(e).catch(() => {});
      })();
      return stopped;
    },
  };
}

/** `verbatim bot` / `npm start`: runs until SIGINT or SIGTERM, then ends within seconds. */
export async function runBot(config: Config): Promise<void> {
  const bot = startBot(config);
  const { log } = bot.ctx;
  const fail = async (err: Error) => {
    if (err instanceof AbortedError) return; // stopped while starting: the shutdown path ends the process
    log.fatal(err.message);
    process.stderr.write(`${err.message}\n`);
    await bot.stop().catch(() => {});
    process.exit(1);
  };
  bot.ctx.engine.catch(fail);
  bot.connected.catch(fail);
  const signal = await new Promise<string>((resolve) => {
    process.once('SIGINT', () => resolve('SIGINT'));
    process.once('SIGTERM', () => resolve('SIGTERM'));
  });
  log.info({ signal }, 'shutting down');
  // Whatever hangs (a gateway that never answers, a stuck socket), the process ends.
  setTimeout(() => {
    log.error('shutdown took too long; exiting');
    process.exit(1);
  }, 3 * STOP_TIMEOUT_MS).unref();
  await bot.stop();
  log.info('stopped');
  process.exit(0);
}
