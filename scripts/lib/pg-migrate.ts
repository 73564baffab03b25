import { fileURLToPath } from "node:url";
import { drizzle } from "drizzle-orm/postgres-js";
import { migrate } from "drizzle-orm/postgres-js/migrator";
import postgres from "postgres";

/** The Postgres migrations drizzle-kit generates (`drizzle.pg.config.ts`). */
export const PG_MIGRATIONS = fileURLToPath(new URL("../../migrations-pg", import.meta.url));

/** Applies the history schema's migrations to a Postgres database (what is applied is skipped). */
export async function migratePostgres(url: string): Promise<void> {
  const client = postgres(url, { max: 1, onnotice: () => undefined });
  try {
    await migrate(drizzle(client), { migrationsFolder: PG_MIGRATIONS });
  } finally {
    await client.end({ timeout: 5 });
  }
}
