import { asc } from "drizzle-orm";
import { createRouter } from "../app";
import { createDb } from "../db/client";
import { cars, tracks } from "../db/schema";

/** The catalog of tracks and cars seen in stored telemetry (never a scan of samples). */
export const racingRoutes = createRouter()
  .get("/tracks", async (c) => {
    const rows = await createDb(c.env.DB)
      .select({ name: tracks.name })
      .from(tracks)
      .orderBy(asc(tracks.name));
    return c.json({ tracks: rows.map((r) => r.name) });
  })
  .get("/cars", async (c) => {
    const rows = await createDb(c.env.DB)
      .select({ name: cars.name })
      .from(cars)
      .orderBy(asc(cars.name));
    return c.json({ cars: rows.map((r) => r.name) });
  });
