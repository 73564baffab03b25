import { defineCommand, runMain } from "citty";
import { migratePostgres } from "./lib/pg-migrate";
import { startPostgres } from "./lib/postgres";

// `pnpm pg:start`: a throwaway local Postgres (temporary folder, removed on exit) with the
// history schema applied; prints the DATABASE_URL for `pnpm dev`.
const main = defineCommand({
  meta: {
    name: "pg:start",
    description:
      "Starts a throwaway local Postgres (Debian's postgresql package) until Ctrl+C, with the history schema applied.",
  },
  args: {
    port: { type: "string", default: "5433", description: "Port on 127.0.0.1 (0: any free port)" },
  },
  async run({ args }) {
    const port = Number(args.port);
    const pg = await startPostgres(port > 0 ? { port } : {});
    await migratePostgres(pg.url);
    console.log(`Postgres is up (data in ${pg.dir}, removed on exit). In another terminal:`);
    console.log(`DATABASE_URL=${pg.url} pnpm dev`);
    const stop = () => {
      void pg.stop().then(() => process.exit(0));
    };
    process.on("SIGINT", stop);
    process.on("SIGTERM", stop);
    await new Promise(() => undefined);
  },
});

void runMain(main);
