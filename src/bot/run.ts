import type { Config } from '../config.js';

export async function runBot(_config: Config): Promise<void> {
  throw new Error('The Discord bot is not part of this build yet.');
}
