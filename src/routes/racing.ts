import { createRouter } from "../app";
import { createDb } from "../db/client";
import { catalog } from "../storage/reads";

/** The catalog of tracks and cars seen in stored telemetry (never a scan of samples). */
export const racingRoutes = createRouter()
  .get("/tracks", async (c) => c.json({ tracks: await catalog(createDb(c.env.DB), "tracks") }))
  .get("/cars", async (c) => c.json({ cars: await catalog(createDb(c.env.DB), "cars") }));
