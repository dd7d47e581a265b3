/**
 * Prisma CLI configuration (Prisma 7 reads the datasource URL from here, not from the schema).
 * A plain object rather than `defineConfig` from 'prisma/config': the CLI is a dependency of
 * @tunefleet/db, not of the workspace root, so the root cannot import it. `prisma generate`
 * needs no database; `prisma migrate deploy` (production) reads DATABASE_URL.
 */
export default {
  schema: 'prisma/schema.prisma',
  migrations: { path: 'prisma/migrations' },
  datasource: { url: process.env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/tunefleet' },
};
