import { defineCommand, runMain } from "citty";
import { migratePostgres } from "./lib/pg-migrate";

// `pnpm pg:migrate`: applies migrations-pg/ to the Postgres history database.
const main = defineCommand({
  meta: { name: "pg:migrate", description: "Applies the Postgres history migrations" },
  args: {
    url: {
      type: "string",
      description: "Connection string (default: DATABASE_URL from the environment)",
    },
  },
  async run({ args }) {
    const url = args.url ?? process.env.DATABASE_URL;
    if (!url) {
      console.error("error: no database: pass --url or set DATABASE_URL");
      process.exit(2);
    }
    await migratePostgres(url);
    console.log("Postgres history migrations applied.");
  },
});

void runMain(main);
