import { describe, expect, it } from "vitest";
import { batchBody, getJson, post, series, uniqueId } from "../helpers/api";

describe("GET /api/v1/racing/tracks and /cars", () => {
  it("lists every track and car seen in stored telemetry, sorted and unique", async () => {
    const t0 = Date.UTC(2024, 4, 1);
    for (const [track, car] of [
      ["Zandvoort", "McLaren 720S GT3"],
      ["Algarve", "McLaren 720S GT3"],
      ["Zandvoort", "Ferrari 296 GT3"],
    ] as const) {
      const res = await post(
        `/api/v1/sessions/${uniqueId("s")}/telemetry`,
        batchBody(series(t0, 2), { track_name: track, car_name: car }),
      );
      expect(res.status).toBe(201);
    }
    const { res, body: tracks } = await getJson<{ tracks: string[] }>("/api/v1/racing/tracks");
    expect(res.headers.get("content-type")).toMatch(/application\/json/);
    expect(tracks.tracks).toEqual([...new Set(tracks.tracks)].sort());
    expect(tracks.tracks).toEqual(expect.arrayContaining(["Algarve", "Zandvoort"]));
    const { body: cars } = await getJson<{ cars: string[] }>("/api/v1/racing/cars");
    expect(cars.cars).toEqual([...new Set(cars.cars)].sort());
    expect(cars.cars).toEqual(expect.arrayContaining(["Ferrari 296 GT3", "McLaren 720S GT3"]));
  });
});
