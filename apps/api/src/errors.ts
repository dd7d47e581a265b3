/**
 * The api's one translation from errors to HTTP (STYLE §2.9). Domain errors carry a stable `code`;
 * `HTTP_STATUS` maps each code to one status, and `satisfies` makes a new code without a status a
 * compile error. Clients branch on `code`, never on `message`.
 */
import { type DbErrorCode, isDatabaseUnavailable } from '@tunefleet/db';
import type { SearchErrorCode } from '@tunefleet/search';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';

/** One problem with a request, `field` a JSON path into it (e.g. `space.learning_rate.low`). */
export interface Issue {
  readonly field: string;
  readonly message: string;
}

/** A study submission that passed the schema but breaks a rule the schema cannot express. */
export class StudySpecError extends Error {
  readonly code = 'STUDY_SPEC_INVALID' as const;
  constructor(readonly issues: readonly Issue[]) {
    super(`invalid study: ${issues.map((i) => `${i.field}: ${i.message}`).join('; ')}`);
    this.name = 'StudySpecError';
  }
}

/** A missing or wrong API key. The message never says which. */
export class UnauthorizedError extends Error {
  readonly code = 'UNAUTHORIZED' as const;
  constructor() {
    super('a valid API key is required: Authorization: Bearer <key>');
    this.name = 'UnauthorizedError';
  }
}

/** A JSON body that parsed but carries what no route accepts (see json-body-parser.ts). */
export class JsonBodyError extends Error {
  readonly code = 'JSON_BODY_INVALID' as const;
  constructor(readonly issues: readonly Issue[]) {
    super(`invalid JSON body: ${issues.map((i) => `${i.field}: ${i.message}`).join('; ')}`);
    this.name = 'JsonBodyError';
  }
}

type ApiErrorCode = StudySpecError['code'] | UnauthorizedError['code'] | JsonBodyError['code'];
/** `ARCHITECTURE_INVALID` is @tunefleet/models/config's ArchitectureError. */
export type DomainErrorCode = SearchErrorCode | DbErrorCode | ApiErrorCode | 'ARCHITECTURE_INVALID';

export const HTTP_STATUS = {
  SEARCH_SPACE_INVALID: 400,
  ARCHITECTURE_INVALID: 400,
  STUDY_SPEC_INVALID: 400,
  JSON_BODY_INVALID: 400,
  INVALID_INPUT: 400,
  UNAUTHORIZED: 401,
  NOT_FOUND: 404,
  ILLEGAL_TRANSITION: 409,
  CONFLICT: 409,
  // The stored bytes no longer match their sha256: that epoch is gone for good, others may not be.
  CHECKPOINT_CORRUPT: 410,
} as const satisfies Record<DomainErrorCode, number>;

/** The body of every error response. */
export interface ErrorBody {
  statusCode: number;
  error: string;
  code: string;
  message: string;
  issues?: Issue[];
}

const REASONS: Readonly<Record<number, string>> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  406: 'Not Acceptable',
  409: 'Conflict',
  410: 'Gone',
  413: 'Payload Too Large',
  415: 'Unsupported Media Type',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

export function errorBody(statusCode: number, code: string, message: string, issues?: readonly Issue[]): ErrorBody {
  const body: ErrorBody = { statusCode, error: REASONS[statusCode] ?? 'Error', code, message };
  if (issues && issues.length > 0) body.issues = [...issues];
  return body;
}

/** Ajv's JSON pointer (`/space/learning_rate/low`) as a dotted path (`space.learning_rate.low`). */
export function pointerToPath(pointer: string): string {
  if (pointer === '' || pointer === '/') return '';
  return pointer
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce((path, seg) => (/^\d+$/.test(seg) ? `${path}[${seg}]` : path === '' ? seg : `${path}.${seg}`), '');
}

export function joinPath(base: string, key: string): string {
  if (base === '') return key;
  return /^\d+$/.test(key) ? `${base}[${key}]` : `${base}.${key}`;
}

interface AjvIssue {
  readonly instancePath?: string;
  readonly keyword?: string;
  readonly params?: Record<string, unknown>;
  readonly message?: string;
}

/**
 * Schema validation errors as issues naming the field. A missing or unknown property is named
 * itself (Ajv reports it on its parent). Parts other than the body get their part as prefix
 * (`querystring.limit`), so a client can tell `limit` in the query from a body field.
 */
export function validationIssues(errors: readonly AjvIssue[], context: string | undefined): Issue[] {
  const seen = new Set<string>();
  const issues: Issue[] = [];
  for (const e of errors) {
    let field = pointerToPath(e.instancePath ?? '');
    let message = e.message ?? 'is invalid';
    if (e.keyword === 'required' && typeof e.params?.missingProperty === 'string') {
      field = joinPath(field, e.params.missingProperty);
      message = 'is required';
    } else if (e.keyword === 'additionalProperties' && typeof e.params?.additionalProperty === 'string') {
      field = joinPath(field, e.params.additionalProperty);
      message = 'is not a known property';
    } else if (e.keyword === 'enum' && Array.isArray(e.params?.allowedValues)) {
      message = `must be one of ${e.params.allowedValues.map((v) => JSON.stringify(v)).join(', ')}`;
    }
    if (context && context !== 'body') field = field === '' ? context : `${context}.${field}`;
    const key = `${field}\u0000${message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    issues.push({ field: field === '' ? 'body' : field, message });
  }
  return issues;
}

/** Issues carried by a domain error: StudySpecError, SearchSpaceError, ArchitectureError, DbInputError. */
function domainIssues(err: Record<string, unknown>): Issue[] | undefined {
  if (Array.isArray(err.issues)) {
    return err.issues.map((raw: Record<string, unknown>) => ({
      field: String(raw.field ?? raw.param ?? ''),
      message: String(raw.message ?? ''),
    }));
  }
  if (typeof err.field === 'string') return [{ field: err.field, message: String(err.message) }];
  return undefined;
}

function isDomainCode(code: unknown): code is DomainErrorCode {
  return typeof code === 'string' && Object.hasOwn(HTTP_STATUS, code);
}

/** Seconds a client is told to wait before repeating a request that found the database unavailable. */
const DATABASE_RETRY_AFTER_S = 5;

/**
 * The one error handler: schema validation → 400 with issues; a domain error → its HTTP_STATUS;
 * a Fastify client error (bad JSON, 413, 415) → its own status and code; Postgres unreachable or
 * out of connections → 503 with Retry-After; anything else is logged with the request id and route
 * and answered with a generic 500, revealing nothing.
 */
export function handleError(err: FastifyError, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  if (err.validation) {
    const issues = validationIssues(err.validation, err.validationContext);
    const message = issues.map((i) => `${i.field} ${i.message}`).join('; ');
    return reply.status(400).send(errorBody(400, 'VALIDATION_FAILED', message, issues));
  }
  const code = (err as { code?: unknown }).code;
  if (isDomainCode(code)) {
    const status = HTTP_STATUS[code];
    if (status === 401) void reply.header('www-authenticate', 'Bearer');
    return reply.status(status).send(errorBody(status, code, err.message, domainIssues(err as unknown as Record<string, unknown>)));
  }
  const status = err.statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    return reply.status(status).send(errorBody(status, typeof code === 'string' ? code : 'BAD_REQUEST', err.message));
  }
  if (isDatabaseUnavailable(err)) {
    // Postgres is down, restarting or full: the same request succeeds once it is back.
    request.log.warn({ err, reqId: request.id, route: request.routeOptions.url }, 'request failed: database unavailable');
    void reply.header('retry-after', String(DATABASE_RETRY_AFTER_S));
    return reply.status(503).send(errorBody(503, 'DATABASE_UNAVAILABLE', 'the database is unavailable; retry shortly'));
  }
  request.log.error({ err, reqId: request.id, route: request.routeOptions.url }, 'request failed');
  return reply.status(500).send(errorBody(500, 'INTERNAL_ERROR', 'Internal Server Error'));
}

/** Unknown routes answer in the same shape as every other error. */
export function handleNotFound(request: FastifyRequest, reply: FastifyReply): FastifyReply {
  return reply
    .status(404)
    .send(errorBody(404, 'NOT_FOUND', `route ${request.method} ${request.url.split('?')[0]} not found`));
}
