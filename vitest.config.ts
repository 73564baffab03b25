import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";
import { testDatabase } from "./test/helpers/postgres-server.ts";
import { TEST_TOKENS } from "./test/helpers/tokens.ts";

/**
 * The API contract, run a second time with history in Postgres (a HYPERDRIVE binding): every
 * test file that speaks only HTTP (and the session object's own hooks), plus the Postgres
 * back end's own tests. Files that read D1's tables directly stay D1-only.
 */
const POSTGRES_CONTRACT = [
  "test/routes/**/*.test.ts",
  "test/middleware/**/*.test.ts",
  "test/security/**/*.test.ts",
  "test/postgres/**/*.test.ts",
  "test/session/live.test.ts",
];
// hostile.test.ts counts D1's rows.
const D1_ONLY = ["test/routes/hostile.test.ts"];

// Three projects: the Worker's tests run inside workerd with the real D1 and Durable Object
// bindings from wrangler.toml (`worker`), and the contract again with history in a real local
// Postgres (`worker-postgres`); the CLI's tests (test/scripts/) and `*.node.test.ts` files,
// which read fixtures from disk, run in Node.
export default defineConfig(async () => {
  const migrations = await readD1Migrations("./migrations");
  const postgresUrl = await testDatabase();
  // The purge tests purge whatever in their database is old enough: a database of their own.
  const purgeUrl = postgresUrl ? await testDatabase() : null;
  if (!postgresUrl) {
    console.warn(
      "worker-postgres skipped: no TEST_DATABASE_URL and no Postgres binaries (apt-get install postgresql)",
    );
  }
  const workerPlugin = (extra: { hyperdrives?: Record<string, string> } = {}) =>
    cloudflareTest({
      wrangler: { configPath: "./wrangler.toml" },
      miniflare: {
        ...extra,
        bindings: {
          TEST_MIGRATIONS: migrations,
          LOG_LEVEL: "error",
          INGEST_TOKEN: TEST_TOKENS.ingest,
          ADMIN_TOKEN: TEST_TOKENS.admin,
          // Reads are open unless a test configures a read token (whatever .dev.vars says).
          READ_TOKEN: "",
          // Small enough for the 413 test to send a body past it.
          MAX_IBT_BYTES: "4000000",
        },
        // A tiny limiter for the rate-limit tests (the real ones allow 1000 per 10 s).
        ratelimits: {
          TINY_LIMITER: { namespace_id: "9001", simple: { limit: 3, period: 10 } },
        },
      },
    });
  return {
    test: {
      projects: [
        {
          plugins: [workerPlugin()],
          test: {
            name: "worker",
            include: ["test/**/*.test.ts"],
            exclude: ["test/scripts/**", "test/**/*.node.test.ts", "test/postgres/**"],
            setupFiles: ["./test/helpers/apply-migrations.ts"],
            // Reads the .ibt fixture in Node for test/cli/replay-e2e.test.ts (workerd has no disk).
            globalSetup: ["./test/scripts/ibt/worker-global-setup.ts"],
          },
        },
        ...(postgresUrl
          ? [
              {
                plugins: [workerPlugin({ hyperdrives: { HYPERDRIVE: postgresUrl } })],
                test: {
                  name: "worker-postgres",
                  // One Postgres for every file (D1 is per file): files run one at a time.
                  fileParallelism: false,
                  include: POSTGRES_CONTRACT,
                  exclude: [...D1_ONLY, "test/**/*.node.test.ts"],
                  setupFiles: ["./test/helpers/apply-migrations.ts"],
                  globalSetup: ["./test/scripts/ibt/worker-global-setup.ts"],
                },
              },
              {
                plugins: [workerPlugin({ hyperdrives: { HYPERDRIVE: purgeUrl as string } })],
                test: {
                  name: "worker-postgres-purge",
                  include: ["test/scheduled/**/*.test.ts"],
                  setupFiles: ["./test/helpers/apply-migrations.ts"],
                },
              },
            ]
          : []),
        {
          test: {
            name: "node",
            environment: "node",
            include: ["test/scripts/**/*.test.ts", "test/**/*.node.test.ts"],
          },
        },
      ],
    },
  };
});
