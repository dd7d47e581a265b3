import type { FastifyBaseLogger, FastifyInstance, RawReplyDefaultExpression, RawRequestDefaultExpression, RawServerDefault } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Db, Stores } from '@tunefleet/db';
import type { Auth } from './auth.js';
import type { Config } from './config.js';
import type { StudyRankingCache } from './study-ranking-cache.js';

/** What route modules receive from `buildApp`. */
export interface RouteDeps {
  readonly config: Config;
  readonly db: Db;
  readonly stores: Stores;
  /** Metric, direction and accuracy floor of studies, which never change, kept in memory. */
  readonly rankings: StudyRankingCache;
  readonly auth: Auth;
  readonly now: () => Date;
  /** Function objectives a study may name. */
  readonly functionNames: readonly string[];
}

export type App = FastifyInstance<
  RawServerDefault,
  RawRequestDefaultExpression,
  RawReplyDefaultExpression,
  FastifyBaseLogger,
  TypeBoxTypeProvider
>;

/** OpenAPI `security` for a route guarded by `requiresKey`. */
export function security(requiresKey: boolean): { security?: { bearerAuth: string[] }[] } {
  return requiresKey ? { security: [{ bearerAuth: [] }] } : {};
}
