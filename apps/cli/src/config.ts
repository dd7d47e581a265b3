/**
 * Where the api is and which key to send: flags first, then the environment. The only module of
 * the client that knows the environment variables' names (the entry point hands it the env).
 */

/** The api's own default listen port (apps/api/src/config.ts PORT), on this machine. */
export const DEFAULT_URL = 'http://127.0.0.1:3000';
export const URL_ENV = 'TUNEFLEET_URL';
export const API_KEY_ENV = 'TUNEFLEET_API_KEY';

export interface Connection {
  /** Base URL without a trailing slash. */
  readonly url: string;
  readonly apiKey: string | null;
  /** Where the key came from, to say which one to fix when the api refuses it. */
  readonly apiKeySource: '--api-key' | typeof API_KEY_ENV | null;
}

export function resolveConnection(flags: { url?: string; apiKey?: string }, env: Readonly<Record<string, string | undefined>>): Connection {
  const url = (flags.url ?? (env[URL_ENV] || DEFAULT_URL)).replace(/\/+$/, '');
  if (flags.apiKey !== undefined) return { url, apiKey: flags.apiKey, apiKeySource: '--api-key' };
  const fromEnv = env[API_KEY_ENV];
  return fromEnv ? { url, apiKey: fromEnv, apiKeySource: API_KEY_ENV } : { url, apiKey: null, apiKeySource: null };
}
