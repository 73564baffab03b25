import { etag } from "hono/etag";
import { createRouter } from "../app";
import { createDb } from "../db/client";
import { catalog } from "../storage/reads";

// The catalog grows now and then: a client revalidates (a 304 while it has not changed).
const REVALIDATE = { "Cache-Control": "private, no-cache" };

/** The catalog of tracks and cars seen in stored telemetry (never a scan of samples). */
export const racingRoutes = createRouter()
  .use(etag())
  .get("/tracks", async (c) =>
    c.json({ tracks: await catalog(createDb(c.env.DB), "tracks") }, 200, REVALIDATE),
  )
  .get("/cars", async (c) =>
    c.json({ cars: await catalog(createDb(c.env.DB), "cars") }, 200, REVALIDATE),
  );
