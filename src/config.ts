// Configuration comes from the environment (and `.env`, loaded by dotenv); every variable is listed in
// `.env.example`. It is validated once at start so a typo fails with a sentence, not a stack trace later.
import path from 'node:path';
import dotenv from 'dotenv';
import { z } from 'zod';

const bool = z
  .string()
  .trim()
  .toLowerCase()
  .refine((v) => ['true', 'false', '1', '0', 'yes', 'no'].includes(v), 'must be true or false')
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

const idList = z
  .string()
  .transform((v) => v.split(/[\s,]+/).filter(Boolean))
  .refine((ids) => ids.every((id) => /^\d{15,25}$/.test(id)), 'must be Discord ids (digits), separated by commas');

const schema = z.object({
  CORPUS_DIR: z.string().min(1).default('corpus'),
  EMBEDDINGS_DIR: z.string().min(1).default('embeddings'),
  MODELS_DIR: z.string().min(1).default('models'),
  EMBEDDING_MODEL: z.string().min(1).default('auto'),
  ALLOW_REMOTE_MODELS: bool.default('true'),
  MODEL_HUB_URL: z.string().url().default('https://huggingface.co'),
  TOKENIZER_DIR: z.string().min(1).default('../shared/tokenizers/bert-base-uncased'),
  TOP_K: z.coerce.number().int().min(1).max(10).default(3),
  MAX_FILE_MB: z.coerce.number().positive().max(1024).default(10),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  DISCORD_TOKEN: z.string().optional(),
  DISCORD_GUILD_ID: z
    .string()
    .regex(/^\d{15,25}$/, 'must be a server (guild) id: digits only')
    .optional(),
  DISCORD_API_URL: z.string().url().default('https://discord.com/api'),
  STORE_URL: z
    .string()
    .regex(/^postgres(?:ql)?:\/\//, 'must be a postgres:// URL (leave it unset for the embedded database)')
    .optional(),
  BOT_OWNER_IDS: idList.optional(),
  ALLOWED_GUILD_IDS: idList.optional(),
  GUILD_RETENTION_DAYS: z.coerce.number().min(0).max(3650).default(30),
  GUILD_MAX_ARTICLES: z.coerce.number().int().min(1).max(1_000_000).default(500),
  GUILD_MAX_MB: z.coerce.number().positive().max(100_000).default(100),
  FETCH_ALLOW_HOSTS: z
    .string()
    .transform((v) => v.split(/[\s,]+/).map((h) => h.replace(/^\[|\]$/g, '').toLowerCase()).filter(Boolean))
    .optional(),
  FETCH_TIMEOUT_S: z.coerce.number().positive().max(600).default(20),
  FETCH_MAX_MB: z.coerce.number().positive().max(1024).default(5),
  FETCH_HOST_INTERVAL_MS: z.coerce.number().min(0).max(60_000).default(250),
  FEED_POLL_MINUTES: z.coerce.number().positive().max(10_080).default(15),
  FEED_MAX_ENTRIES: z.coerce.number().int().min(1).max(10_000).default(100),
  GUILD_MAX_FEEDS: z.coerce.number().int().min(0).max(10_000).default(20),
  GUILD_MAX_FEED_ARTICLES_PER_DAY: z.coerce.number().int().min(0).max(1_000_000).default(200),
});

export type Config = {
  corpusDir: string;
  embeddingsDir: string;
  modelsDir: string;
  embeddingModel: string;
  allowRemoteModels: boolean;
  /** Where pretrained models are downloaded from (a mirror, or the Hugging Face hub). */
  modelHubUrl: string;
  tokenizerDir: string;
  topK: number;
  maxFileBytes: number;
  logLevel: z.infer<typeof schema>['LOG_LEVEL'];
  discordToken: string | undefined;
  discordGuildId: string | undefined;
  discordApiUrl: string;
  /** PostgreSQL instead of the embedded database. */
  storeUrl: string | undefined;
  /** Who may change the shared library from Discord; unset: the application's owner or team. */
  botOwnerIds: string[] | undefined;
  /** When set, the bot serves only these servers and leaves any other. */
  allowedGuildIds: string[] | undefined;
  guildRetentionDays: number;
  guildMaxArticles: number;
  guildMaxBytes: number;
  /** Hosts or addresses fetched even though they are private or local (self-hosters' intranets, tests). */
  fetchAllowHosts: string[];
  fetchTimeoutMs: number;
  fetchMaxBytes: number;
  /** Least time between two requests to one host. */
  fetchHostIntervalMs: number;
  feedPollMs: number;
  /** Entries read from a feed at each check (the newest). */
  feedMaxEntries: number;
  guildMaxFeeds: number;
  guildMaxFeedArticlesPerDay: number;
};

export class ConfigError extends Error {}

/** Reads and validates configuration; `env` is injectable so tests never touch the real environment. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): Config {
  if (env === process.env) dotenv.config({ path: path.join(cwd, '.env'), quiet: true });
  // Empty strings in .env mean "not set", as most people write them.
  const present = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = schema.safeParse(present);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`Invalid configuration (see .env.example):\n${lines.join('\n')}`);
  }
  const e = parsed.data;
  const abs = (p: string) => path.resolve(cwd, p);
  return {
    corpusDir: abs(e.CORPUS_DIR),
    embeddingsDir: abs(e.EMBEDDINGS_DIR),
    modelsDir: abs(e.MODELS_DIR),
    embeddingModel: e.EMBEDDING_MODEL,
    allowRemoteModels: e.ALLOW_REMOTE_MODELS,
    modelHubUrl: e.MODEL_HUB_URL.replace(/\/+$/, ''),
    tokenizerDir: abs(e.TOKENIZER_DIR),
    topK: e.TOP_K,
    maxFileBytes: Math.round(e.MAX_FILE_MB * 1024 * 1024),
    logLevel: e.LOG_LEVEL,
    discordToken: e.DISCORD_TOKEN,
    discordGuildId: e.DISCORD_GUILD_ID,
    discordApiUrl: e.DISCORD_API_URL.replace(/\/+$/, ''),
    storeUrl: e.STORE_URL,
    botOwnerIds: e.BOT_OWNER_IDS,
    allowedGuildIds: e.ALLOWED_GUILD_IDS,
    guildRetentionDays: e.GUILD_RETENTION_DAYS,
    guildMaxArticles: e.GUILD_MAX_ARTICLES,
    guildMaxBytes: Math.round(e.GUILD_MAX_MB * 1024 * 1024),
    fetchAllowHosts: e.FETCH_ALLOW_HOSTS ?? [],
    fetchTimeoutMs: e.FETCH_TIMEOUT_S * 1000,
    fetchMaxBytes: Math.round(e.FETCH_MAX_MB * 1024 * 1024),
    fetchHostIntervalMs: e.FETCH_HOST_INTERVAL_MS,
    feedPollMs: e.FEED_POLL_MINUTES * 60_000,
    feedMaxEntries: e.FEED_MAX_ENTRIES,
    guildMaxFeeds: e.GUILD_MAX_FEEDS,
    guildMaxFeedArticlesPerDay: e.GUILD_MAX_FEED_ARTICLES_PER_DAY,
  };
}
