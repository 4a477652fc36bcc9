// What every command and event handler of the bot is given.
import type { Config } from '../config.js';
import type { Engine } from '../engine.js';
import type { IndexProgress, IndexSummary } from '../index/update.js';
import type { Logger } from '../log.js';
import type { Memory } from './memory.js';
import type { RateLimiter } from './ratelimit.js';

export interface BotContext {
  config: Config;
  log: Logger;
  /** Resolves once the model and index are loaded (the bot is online before that). */
  engine: Promise<Engine>;
  isReady(): boolean;
  limiter: RateLimiter;
  memory: Memory;
  /** Runs one incremental re-index at a time; answers keep coming from the current index meanwhile. */
  reindex(onProgress?: (p: IndexProgress) => void): Promise<IndexSummary>;
  isIndexing(): boolean;
}
