import { describe, expect, it } from 'vitest';
import { Prisma } from '../src/generated/client.js';
import { ConflictError, NotFoundError, isDatabaseUnavailable, isRetriableDbError, prismaCode, translateDbError } from '../src/errors.js';

function known(code: string, meta?: Record<string, unknown>): Prisma.PrismaClientKnownRequestError {
  return new Prisma.PrismaClientKnownRequestError('boom', { code, clientVersion: 'test', meta });
}

function raw(kind: string, originalCode: string): Prisma.PrismaClientKnownRequestError {
  return known('P2010', { driverAdapterError: { cause: { kind, originalCode } } });
}

describe('isRetriableDbError', () => {
  it.each(['P2024', 'P2028', 'P2034'])('flags %s', (code) => {
    expect(isRetriableDbError(known(code))).toBe(true);
  });

  it.each(['P2002', 'P2003', 'P2025'])('does not flag %s', (code) => {
    expect(isRetriableDbError(known(code))).toBe(false);
  });

  it('flags a raw query that hit a serialization failure or deadlock', () => {
    expect(isRetriableDbError(raw('postgres', '40001'))).toBe(true);
    expect(isRetriableDbError(raw('postgres', '40P01'))).toBe(true);
  });

  it('does not flag errors that are not Prisma errors', () => {
    expect(isRetriableDbError(new Error('P2034'))).toBe(false);
    expect(isRetriableDbError(undefined)).toBe(false);
  });
});

describe('prismaCode', () => {
  it('maps raw-query constraint failures to the typed API codes', () => {
    expect(prismaCode(raw('UniqueConstraintViolation', '23505'))).toBe('P2002');
    expect(prismaCode(raw('ForeignKeyConstraintViolation', '23503'))).toBe('P2003');
    expect(prismaCode(raw('SomethingElse', '22000'))).toBe('P2010');
  });
});

describe('translateDbError', () => {
  const ctx = { entity: 'trial', id: 't1', parent: { entity: 'study', id: 's1' }, conflict: 'trial t1 exists' };

  it('turns P2025 into NotFoundError for the row itself', () => {
    const err = translateDbError(known('P2025'), ctx);
    expect(err).toBeInstanceOf(NotFoundError);
    expect(err).toMatchObject({ code: 'NOT_FOUND', entity: 'trial', id: 't1' });
  });

  it('turns P2003 into NotFoundError for the referenced row', () => {
    expect(translateDbError(known('P2003'), ctx)).toMatchObject({ code: 'NOT_FOUND', entity: 'study', id: 's1' });
  });

  it('turns P2002 into ConflictError with the given message and keeps the cause', () => {
    const cause = known('P2002');
    const err = translateDbError(cause, ctx);
    expect(err).toBeInstanceOf(ConflictError);
    expect(err).toMatchObject({ code: 'CONFLICT', message: 'trial t1 exists', cause });
  });

  it('passes anything else through unchanged', () => {
    const other = known('P2024');
    expect(translateDbError(other, ctx)).toBe(other);
    const plain = new Error('x');
    expect(translateDbError(plain, ctx)).toBe(plain);
  });
});

describe('isDatabaseUnavailable', () => {
  const coded = (code: string, message = 'boom') => Object.assign(new Error(message), { code });

  it.each(['P1001', 'P1002', 'P1008', 'P1017', 'P2024', 'P2037'])('flags Prisma %s', (code) => {
    expect(isDatabaseUnavailable(known(code))).toBe(true);
  });

  it('flags the driver adapter kinds of an unreachable or full server, as Postgres 15 and Prisma 7 report them', () => {
    expect(isDatabaseUnavailable(known('P2010', { driverAdapterError: { cause: { kind: 'DatabaseNotReachable', host: '127.0.0.1', port: 1 } } }))).toBe(true);
    expect(isDatabaseUnavailable(raw('TooManyConnections', '53300'))).toBe(true);
    expect(isDatabaseUnavailable(raw('postgres', '57P01'))).toBe(true);
  });

  it('flags node-postgres socket failures, shutdown and full-server SQLSTATEs, and its uncoded dropped connection', () => {
    for (const code of ['ECONNREFUSED', 'ECONNRESET', '53300', '57P03', '08006']) expect(isDatabaseUnavailable(coded(code)), code).toBe(true);
    expect(isDatabaseUnavailable(new Error('Connection terminated unexpectedly'))).toBe(true);
    expect(isDatabaseUnavailable(new Error('wrapped', { cause: coded('ECONNREFUSED') }))).toBe(true);
  });

  it('does not flag a query the server rejected, a domain error or a non-error', () => {
    expect(isDatabaseUnavailable(known('P2002'))).toBe(false);
    expect(isDatabaseUnavailable(raw('postgres', '23505'))).toBe(false);
    expect(isDatabaseUnavailable(coded('42P01'))).toBe(false);
    expect(isDatabaseUnavailable(new NotFoundError('trial', 'x'))).toBe(false);
    expect(isDatabaseUnavailable(new Error('Connection string is invalid'))).toBe(false);
    expect(isDatabaseUnavailable(undefined)).toBe(false);
    expect(isDatabaseUnavailable('ECONNREFUSED')).toBe(false);
  });
});
