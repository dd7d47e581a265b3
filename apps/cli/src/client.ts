/**
 * The REST client: native fetch, a Bearer key when there is one, and every failure turned into a
 * CliError that says what to do (start the api, set the key, check the id).
 */
import { API_KEY_ENV, type Connection } from './config.js';
import { type ApiIssue, ApiError, UnreachableError } from './errors.js';

export type Query = Readonly<Record<string, string | number | boolean | readonly string[] | undefined>>;

export interface ApiClient {
  readonly url: string;
  get<T>(path: string, query?: Query): Promise<T>;
  post<T>(path: string, body?: unknown): Promise<T>;
  /** The raw response of a GET that answered 2xx (downloads, event streams); errors as for `get`. */
  open(path: string, init?: { accept?: string; signal?: AbortSignal }): Promise<Response>;
}

export function buildUrl(base: string, path: string, query: Query = {}): string {
  const url = new URL(base + path);
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined) continue;
    if (Array.isArray(value)) for (const v of value) url.searchParams.append(key, v);
    else url.searchParams.set(key, String(value));
  }
  return url.toString();
}

/** The reason a fetch got no answer, from the system error under undici's "fetch failed". */
function unreachableReason(err: unknown): string {
  const cause = (err as { cause?: { code?: unknown; message?: unknown } }).cause;
  if (typeof cause?.code === 'string') return cause.code;
  if (typeof cause?.message === 'string') return cause.message;
  return err instanceof Error ? err.message : String(err);
}

/** Turns an error answer into an ApiError; the api's body is `{ statusCode, code, message, issues? }`. */
export async function apiErrorFrom(response: Response, connection: Connection): Promise<ApiError> {
  const text = await response.text().catch(() => '');
  let body: { code?: unknown; message?: unknown; issues?: unknown } = {};
  try {
    body = JSON.parse(text) as typeof body;
  } catch {
    // Not the api's JSON (a proxy's page, say): the status is all there is to say.
  }
  const status = response.status;
  const code = typeof body.code === 'string' ? body.code : response.statusText || 'ERROR';
  const message = typeof body.message === 'string' ? body.message : text.trim().slice(0, 200) || `HTTP ${status}`;
  const issues: ApiIssue[] = Array.isArray(body.issues)
    ? body.issues.map((i: { field?: unknown; message?: unknown }) => ({ field: String(i.field ?? ''), message: String(i.message ?? '') }))
    : [];
  return new ApiError(status, code, message, issues, hintFor(status, code, message, connection));
}

function hintFor(status: number, code: string, message: string, connection: Connection): string | undefined {
  if (status === 401 || status === 403) {
    return connection.apiKey === null
      ? `no API key was given: set ${API_KEY_ENV} or pass --api-key`
      : `the API key from ${connection.apiKeySource} was refused: it must equal the api's API_KEY`;
  }
  if (status === 404 && code === 'NOT_FOUND' && message.startsWith('route ')) {
    return `${connection.url} has no such route: is it a Tunefleet api of this version?`;
  }
  if (status >= 500) return `the api at ${connection.url} failed; its log has the details (look for the x-request-id)`;
  return undefined;
}

/** How long a JSON request may take before the client gives up (downloads and streams have no limit). */
export const REQUEST_TIMEOUT_MS = 30_000;

export function createApiClient(connection: Connection, fetchImpl: typeof fetch = fetch, requestTimeoutMs = REQUEST_TIMEOUT_MS): ApiClient {
  const headers = (extra: Record<string, string>): Record<string, string> =>
    connection.apiKey === null ? extra : { ...extra, authorization: `Bearer ${connection.apiKey}` };

  async function send(url: string, init: RequestInit): Promise<Response> {
    let response: Response;
    try {
      response = await fetchImpl(url, init);
    } catch (err) {
      if ((err as Error).name === 'TimeoutError') throw new UnreachableError(connection.url, `no answer within ${requestTimeoutMs / 1000} s`);
      if ((err as Error).name === 'AbortError') throw err;
      throw new UnreachableError(connection.url, unreachableReason(err));
    }
    if (!response.ok) throw await apiErrorFrom(response, connection);
    return response;
  }

  return {
    url: connection.url,
    async get<T>(path: string, query?: Query): Promise<T> {
      const response = await send(buildUrl(connection.url, path, query), {
        headers: headers({ accept: 'application/json' }),
        signal: AbortSignal.timeout(requestTimeoutMs),
      });
      return (await response.json()) as T;
    },
    async post<T>(path: string, body?: unknown): Promise<T> {
      const signal = AbortSignal.timeout(requestTimeoutMs);
      // No content-type without a body: Fastify refuses an empty body declared as JSON.
      const init: RequestInit =
        body === undefined
          ? { method: 'POST', headers: headers({ accept: 'application/json' }), signal }
          : {
              method: 'POST',
              headers: headers({ accept: 'application/json', 'content-type': 'application/json' }),
              body: JSON.stringify(body),
              signal,
            };
      const response = await send(buildUrl(connection.url, path), init);
      return (await response.json()) as T;
    },
    open(path, init = {}) {
      return send(buildUrl(connection.url, path), { headers: headers({ accept: init.accept ?? '*/*' }), signal: init.signal });
    },
  };
}
