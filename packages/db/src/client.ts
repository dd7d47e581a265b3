/**
 * The one Prisma client of a process. Prisma 7's Rust-free client talks to Postgres through the
 * node-postgres driver adapter, so no engine binary is needed at run time.
 */
import { PrismaPg } from '@prisma/adapter-pg';
import pg from 'pg';
import { type Prisma, PrismaClient } from './generated/client.js';

export interface DbOptions {
  /** Size of the pg connection pool (node-postgres default: 10). */
  readonly maxConnections?: number;
}

export type Db = PrismaClient & {
  /**
   * The node-postgres pool the client runs on. Hot read paths (the api's leaderboard, trial pages,
   * study page) query it directly: a raw query through Prisma costs about three times the CPU of
   * the same query on the pool, which is most of a request's cost at hundreds of requests/s.
   * Its rows come with node-postgres's own type parsing (bigint and numeric as strings).
   */
  readonly pool: pg.Pool;
  /** Closes the pool; the client cannot be used afterwards. */
  close(): Promise<void>;
};

/** A client or an interactive transaction: every store works on either (`createTrialStore(tx)`). */
export type DbOrTx = PrismaClient | Prisma.TransactionClient;

export function createDb(databaseUrl: string, options: DbOptions = {}): Db {
  const pool = new pg.Pool({ connectionString: databaseUrl, max: options.maxConnections });
  // An idle connection that breaks (a Postgres restart) is dropped by the pool and replaced on the
  // next query; without a listener the pool's 'error' event would end the process.
  pool.on('error', () => {});
  const adapter = new PrismaPg(pool);
  const client = new PrismaClient({ adapter });
  return Object.assign(client, {
    pool,
    async close() {
      // Prisma leaves a pool it was given open.
      await client.$disconnect();
      if (!pool.ended) await pool.end();
    },
  });
}
