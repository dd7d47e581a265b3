/**
 * The one Prisma client of a process. Prisma 7's Rust-free client talks to Postgres through the
 * node-postgres driver adapter, so no engine binary is needed at run time.
 */
import { PrismaPg } from '@prisma/adapter-pg';
import { type Prisma, PrismaClient } from './generated/client.js';

export interface DbOptions {
  /** Size of the pg connection pool (node-postgres default: 10). */
  readonly maxConnections?: number;
}

export type Db = PrismaClient & {
  /** Closes the pool; the client cannot be used afterwards. */
  close(): Promise<void>;
};

/** A client or an interactive transaction: every store works on either (`createTrialStore(tx)`). */
export type DbOrTx = PrismaClient | Prisma.TransactionClient;

export function createDb(databaseUrl: string, options: DbOptions = {}): Db {
  const adapter = new PrismaPg({ connectionString: databaseUrl, max: options.maxConnections });
  const client = new PrismaClient({ adapter });
  return Object.assign(client, { close: () => client.$disconnect() });
}
