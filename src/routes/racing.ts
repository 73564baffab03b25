import { etag } from "hono/etag";
import { createRouter } from "../app";

// The catalog grows now and then: a client revalidates (a 304 while it has not changed).
const REVALIDATE = { "Cache-Control": "private, no-cache" };

/** The catalog of tracks and cars seen in stored telemetry (never a scan of samples). */
export const racingRoutes = createRouter()
  .use(etag())
  .get("/tracks", async (c) =>
    c.json({ tracks: await c.var.history().catalog("tracks") }, 200, REVALIDATE),
  )
  .get("/cars", async (c) =>
    c.json({ cars: await c.var.history().catalog("cars") }, 200, REVALIDATE),
  );
