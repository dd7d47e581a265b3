/**
 * The data layer's domain errors and its one translation point for Prisma errors. Apps branch on
 * `code` (the api maps each code to one HTTP status) and never import Prisma's error classes.
 */
import { Prisma } from './generated/client.js';

export type DbErrorCode = 'NOT_FOUND' | 'CONFLICT' | 'INVALID_INPUT' | 'CHECKPOINT_CORRUPT';

export class NotFoundError extends Error {
  readonly code = 'NOT_FOUND' as const;
  constructor(
    readonly entity: string,
    readonly id: string,
    options?: { cause?: unknown },
  ) {
    super(`${entity} ${id} not found`, options);
    this.name = 'NotFoundError';
  }
}

export class ConflictError extends Error {
  readonly code = 'CONFLICT' as const;
  constructor(
    readonly entity: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'ConflictError';
  }
}

/** A store argument the database would reject or misstore; `field` names it. */
export class DbInputError extends Error {
  readonly code = 'INVALID_INPUT' as const;
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`${field}: ${message}`);
    this.name = 'DbInputError';
  }
}

/**
 * Stored checkpoint bytes that no longer match the sha256 recorded when they were saved. Not a
 * domain error of the api (a read route answers it like any unexpected failure); the scheduler
 * catches it to resume from an earlier checkpoint instead.
 */
export class CheckpointCorruptError extends Error {
  readonly code = 'CHECKPOINT_CORRUPT' as const;
  constructor(
    readonly trialId: string,
    readonly epoch: number,
  ) {
    super(`checkpoint ${trialId}@${epoch} is corrupt: its bytes do not match the stored sha256`);
    this.name = 'CheckpointCorruptError';
  }
}

/**
 * Prisma error codes worth retrying the whole unit of work for: P2024 (timed out waiting for a
 * pool connection), P2028 (transaction API error, e.g. an interactive transaction timed out) and
 * P2034 (write conflict or deadlock; retry the transaction). Anything else is deterministic.
 */
const RETRIABLE_CODES: ReadonlySet<string> = new Set(['P2024', 'P2028', 'P2034']);

export function isRetriableDbError(err: unknown): boolean {
  const code = prismaCode(err);
  return code !== null && RETRIABLE_CODES.has(code);
}

/**
 * Raw queries ($queryRaw, $executeRaw) fail with P2010 whatever the cause; the driver adapter's
 * error kind says what happened, and is mapped here to the code the typed API would have used.
 */
const RAW_ERROR_KINDS: Readonly<Record<string, string>> = {
  UniqueConstraintViolation: 'P2002',
  ForeignKeyConstraintViolation: 'P2003',
  TransactionWriteConflict: 'P2034',
};

/** Postgres SQLSTATEs of a raw query that mean "retry the transaction": serialization failure, deadlock. */
const RETRIABLE_SQLSTATES: ReadonlySet<string> = new Set(['40001', '40P01']);

/** The `Pxxxx` code of a Prisma known-request error (raw-query failures normalised), or null. */
export function prismaCode(err: unknown): string | null {
  if (!(err instanceof Prisma.PrismaClientKnownRequestError)) return null;
  if (err.code !== 'P2010') return err.code;
  const cause = (err.meta?.driverAdapterError as { cause?: { kind?: string; originalCode?: string } } | undefined)
    ?.cause;
  if (cause?.kind && RAW_ERROR_KINDS[cause.kind]) return RAW_ERROR_KINDS[cause.kind] as string;
  if (cause?.originalCode && RETRIABLE_SQLSTATES.has(cause.originalCode)) return 'P2034';
  return err.code;
}

/** P1001 can't reach, P1002 timed out, P1008 operation timed out, P1017 server closed the connection, P2024 pool timeout, P2037 too many connections. */
const UNAVAILABLE_PRISMA_CODES: ReadonlySet<string> = new Set(['P1001', 'P1002', 'P1008', 'P1017', 'P2024', 'P2037']);
const UNAVAILABLE_ADAPTER_KINDS: ReadonlySet<string> = new Set(['DatabaseNotReachable', 'ConnectionClosed', 'TooManyConnections', 'SocketTimeout']);
/** Socket failures, and SQLSTATEs 53300 too_many_connections, 57P01-57P03 shutdown or starting up. */
const UNAVAILABLE_CODES: ReadonlySet<string> = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN', '53300', '57P01', '57P02', '57P03']);

/**
 * Whether an error means Postgres cannot be reached right now (down, restarting, refusing new
 * connections), as opposed to a query it rejected. Such a failure passes once the server is back,
 * so the api answers 503 and the scheduler waits and repeats the unit of work. Errors arrive in
 * three forms: Prisma's (a P1xxx connection code, P2024/P2037, or the driver adapter's error kind),
 * node-postgres's (a SQLSTATE or a socket code), and node-postgres's uncoded "Connection
 * terminated…" when the server drops a pooled connection; causes are followed.
 */
export function isDatabaseUnavailable(err: unknown): boolean {
  let current: unknown = err;
  for (let depth = 0; depth < 5 && current !== null && typeof current === 'object'; depth++) {
    if (current instanceof Prisma.PrismaClientInitializationError) return true;
    if (current instanceof Prisma.PrismaClientKnownRequestError) {
      if (UNAVAILABLE_PRISMA_CODES.has(current.code)) return true;
      const cause = (current.meta?.driverAdapterError as { cause?: { kind?: string; originalCode?: string } } | undefined)?.cause;
      if (cause?.kind !== undefined && UNAVAILABLE_ADAPTER_KINDS.has(cause.kind)) return true;
      if (cause?.originalCode !== undefined && isUnavailableCode(cause.originalCode)) return true;
    }
    const { code, message } = current as { code?: unknown; message?: unknown };
    if (typeof code === 'string' && isUnavailableCode(code)) return true;
    if (typeof message === 'string' && message.startsWith('Connection terminated')) return true;
    current = (current as { cause?: unknown }).cause;
  }
  return false;
}

function isUnavailableCode(code: string): boolean {
  // SQLSTATE class 08: connection exception.
  return UNAVAILABLE_CODES.has(code) || /^08[0-9A-Z]{3}$/.test(code);
}

export interface ErrorContext {
  /** Entity and id reported when the row itself is missing (P2025). */
  readonly entity: string;
  readonly id: string;
  /** Entity and id reported when a referenced row is missing (P2003, foreign key). */
  readonly parent?: { readonly entity: string; readonly id: string };
  /** Message for a unique violation (P2002). */
  readonly conflict?: string;
}

/**
 * Translates a Prisma error into a domain error at a store's boundary, keeping the original as
 * `cause`; other errors (including retriable ones, see isRetriableDbError) pass through unchanged.
 */
export function translateDbError(err: unknown, ctx: ErrorContext): unknown {
  switch (prismaCode(err)) {
    case 'P2025':
      return new NotFoundError(ctx.entity, ctx.id, { cause: err });
    case 'P2003': {
      const parent = ctx.parent ?? ctx;
      return new NotFoundError(parent.entity, parent.id, { cause: err });
    }
    case 'P2002':
      return new ConflictError(ctx.entity, ctx.conflict ?? `${ctx.entity} ${ctx.id} already exists`, { cause: err });
    default:
      return err;
  }
}
