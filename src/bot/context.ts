// What every command and event handler of the bot is given.
import type { Config } from '../config.js';
import type { Engine } from '../engine.js';
import type { Logger } from '../log.js';
import type { Memory } from './memory.js';
import type { RateLimiter } from './ratelimit.js';

export interface BotContext {
  config: Config;
  log: Logger;
  /** Resolves once the model and store are loaded (the bot is online before that). */
  engine: Promise<Engine>;
  isReady(): boolean;
  /** While the index is re-embedded for a new model, what to tell askers (null otherwise). */
  rebuilding(): string | null;
  limiter: RateLimiter;
  memory: Memory;
  /** Users who may change the shared library: BOT_OWNER_IDS, or the application's owner or team. */
  owners(): ReadonlySet<string>;
  /**
   * Runs a change to the store (index, add, remove), one at a time in this process; answers keep coming
   * from the committed state meanwhile. The signal fires at shutdown: the job stops before committing.
   */
  write<T>(job: (engine: Engine, signal: AbortSignal) => Promise<T>): Promise<T>;
  isWriting(): boolean;
}
