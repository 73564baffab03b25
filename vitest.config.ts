import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";
import { TEST_TOKENS } from "./test/helpers/tokens.ts";

// Two projects: the Worker's tests run inside workerd with the real D1 and Durable Object
// bindings from wrangler.toml; the CLI's tests (test/scripts/) and `*.node.test.ts` files, which
// read fixtures from disk, run in Node.
export default defineConfig(async () => {
  const migrations = await readD1Migrations("./migrations");
  return {
    test: {
      projects: [
        {
          plugins: [
            cloudflareTest({
              wrangler: { configPath: "./wrangler.toml" },
              miniflare: {
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
            }),
          ],
          test: {
            name: "worker",
            include: ["test/**/*.test.ts"],
            exclude: ["test/scripts/**", "test/**/*.node.test.ts"],
            setupFiles: ["./test/helpers/apply-migrations.ts"],
            // Reads the .ibt fixture in Node for test/cli/replay-e2e.test.ts (workerd has no disk).
            globalSetup: ["./test/scripts/ibt/worker-global-setup.ts"],
          },
        },
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
