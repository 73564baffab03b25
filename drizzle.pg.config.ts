import { defineConfig } from "drizzle-kit";

// The Postgres history schema (DESIGN §7b): migrations are generated here and applied with
// `pnpm pg:migrate` (scripts/pg-migrate.ts), by the test suite and by the benchmark.
export default defineConfig({
  dialect: "postgresql",
  schema: "./src/db/pg-schema.ts",
  out: "./migrations-pg",
});
