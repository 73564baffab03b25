import { spawnSync } from "node:child_process";
import { rmSync } from "node:fs";
import postgres from "postgres";
import { migratePostgres } from "../../scripts/lib/pg-migrate.ts";
import { postgresBin, startPostgres } from "../../scripts/lib/postgres.ts";

/**
 * The Postgres the `worker-postgres` test project runs against (in Node, from vitest.config.ts):
 * a fresh database on the server named by TEST_DATABASE_URL (what .ci/run starts), else on a
 * throwaway server started here when Debian's postgresql package is installed; null when there
 * is neither. The database gets the history migrations and is dropped when the run ends.
 */
export async function testDatabase(): Promise<string | null> {
  let server = process.env.TEST_DATABASE_URL;
  if (!server) {
    if (!postgresBin()) return null;
    const pg = await startPostgres();
    // The run ends with the process: stop the throwaway server there too (synchronously).
    process.once("exit", () => {
      try {
        process.kill(pg.pid, "SIGKILL");
      } catch {
        // already gone
      }
      rmSync(pg.dir, { recursive: true, force: true });
    });
    server = pg.url;
  }
  const name = `rustegrate_test_${process.pid}_${Date.now().toString(36)}`;
  const admin = postgres(server, { max: 1, onnotice: () => undefined });
  await admin.unsafe(`CREATE DATABASE ${name}`);
  await admin.end({ timeout: 5 });
  const url = new URL(server);
  url.pathname = `/${name}`;
  await migratePostgres(url.toString());
  if (process.env.TEST_DATABASE_URL) {
    process.once("exit", () => {
      // Best effort, synchronously: psql drops the run's database.
      const bin = postgresBin();
      if (!bin) return;
      spawnSync(
        `${bin}/psql`,
        [server as string, "-c", `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`],
        {
          stdio: "ignore",
        },
      );
    });
  }
  return url.toString();
}
