// Sending an answer that has been acknowledged must not fail on a passing Discord error: discord.js already
// waits out 429s and retries 5xx a few times; this adds a slower outer retry (about half a minute in all),
// well within the 15 minutes an interaction token lives.
import { DiscordAPIError, HTTPError, RateLimitError } from 'discord.js';
import type { Logger } from '../log.js';

function transient(err: unknown): boolean {
  if (err instanceof HTTPError) return err.status >= 500;
  if (err instanceof RateLimitError) return true;
  if (err instanceof DiscordAPIError) return err.status >= 500 || err.status === 429;
  const code = (err as NodeJS.ErrnoException)?.code ?? '';
  return ['ECONNRESET', 'ECONNREFUSED', 'ETIMEDOUT', 'EPIPE', 'UND_ERR_SOCKET', 'UND_ERR_CONNECT_TIMEOUT'].includes(code) || (err as Error)?.name === 'AbortError';
}

export async function deliver<T>(send: () => Promise<T>, log: Logger, what = 'reply', delays = [500, 1000, 2000, 4000, 8000, 16000]): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await send();
    } catch (err) {
      if (attempt >= delays.length || !transient(err)) throw err;
      log.warn({ attempt: attempt + 1, err: (err as Error).message }, `sending the ${what} failed; retrying`);
      await new Promise((r) => setTimeout(r, delays[attempt]));
    }
  }
}
