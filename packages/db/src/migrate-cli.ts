/**
 * `pnpm db:migrate`: applies pending migrations to DATABASE_URL (default: the local development
 * database), creating the database if it is missing. Exit code 1 with the reason on failure.
 */
import { migrate } from './migrate.js';

const DEFAULT_DATABASE_URL = 'postgresql://postgres@127.0.0.1:5432/tunefleet';

async function main(): Promise<void> {
  const databaseUrl = process.env.DATABASE_URL || DEFAULT_DATABASE_URL;
  const result = await migrate({
    databaseUrl,
    onApplied: (name) => process.stdout.write(`applied ${name}\n`),
  });
  if (result.createdDatabase) process.stdout.write('created the database\n');
  process.stdout.write(
    `${result.applied.length} migration(s) applied, ${result.alreadyApplied.length} already applied\n`,
  );
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
