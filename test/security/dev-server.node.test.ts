import { readdirSync } from "node:fs";
import { request } from "node:http";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { randomToken } from "../../scripts/dev-vars";
import { type DevServer, startDevServer } from "../helpers/dev-server";

/**
 * The attacks that need the real thing: `pnpm dev` with a READ_TOKEN set only in its env file
 * (read the way `.dev.vars` is), and its Durable Object state on disk.
 */

let server: DevServer;

beforeAll(async () => {
  server = await startDevServer({
    INGEST_TOKEN: randomToken(),
    ADMIN_TOKEN: randomToken(),
    READ_TOKEN: randomToken(),
  });
}, 150_000);

afterAll(async () => {
  await server?.stop();
});

/** A GET with exactly these headers (node:http: fetch refuses to send `Upgrade`). */
function get(path: string, headers: Record<string, string> = {}): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(`${server.base}${path}`, { headers }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on("upgrade", (res, socket) => {
      socket.destroy();
      resolve(res.statusCode ?? 0);
    });
    req.on("error", reject);
    req.end();
  });
}

const upgrade = {
  Connection: "Upgrade",
  Upgrade: "websocket",
  "Sec-WebSocket-Version": "13",
  "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==",
};

function sessionDatabases(): number {
  const dir = join(server.persistDir, "v3", "do", "rustegrate-SessionDO");
  try {
    return readdirSync(dir).filter((f) => f.endsWith(".sqlite") && f !== "metadata.sqlite").length;
  } catch {
    return 0;
  }
}

describe("pnpm dev with READ_TOKEN only in its env file", () => {
  it("requires the read token for reads, with or without an Upgrade header", async () => {
    const session = `dev-${Date.now().toString(36)}`;
    const post = await fetch(`${server.base}/api/v1/sessions/${session}/telemetry`, {
      method: "POST",
      headers: {
        "Content-Type": "application/json",
        Authorization: `Bearer ${server.tokens.INGEST_TOKEN}`,
      },
      body: JSON.stringify({
        driver_id: "d1",
        track_name: "Monza",
        car_name: "Ferrari 296 GT3",
        session_type: "Race",
        samples: [
          {
            timestamp: "2024-05-01T12:00:00.000Z",
            speed: 200,
            rpm: 7000,
            gear: 5,
            current_lap: 1,
            fuel_level: 40,
            throttle_position: 1,
            brake_position: 0,
            clutch_position: 0,
            steering_angle: 0,
            tire_temps_fl: 80,
            tire_temps_fr: 80,
            tire_temps_rl: 80,
            tire_temps_rr: 80,
            lateral_g: 0,
            longitudinal_g: 0,
            vertical_g: 1,
            track_position: 0.5,
            position_x: 0,
            position_y: 0,
            position_z: 0,
          },
        ],
      }),
    });
    expect(post.status).toBe(201);
    const read = { Authorization: `Bearer ${server.tokens.READ_TOKEN}` };
    for (const path of [
      "/api/v1/sessions",
      `/api/v1/sessions/${session}`,
      `/api/v1/sessions/${session}/laps`,
      `/api/v1/sessions/${session}/telemetry`,
      "/api/v1/drivers/d1/telemetry",
      "/api/v1/racing/tracks",
    ]) {
      expect(await get(path), path).toBe(401);
      expect(await get(path, { Upgrade: "websocket" }), `${path} Upgrade`).toBe(401);
      expect(await get(path, { ...upgrade, Upgrade: "WebSocket" }), `${path} WebSocket`).toBe(401);
      expect(await get(path, read), `${path} with the read token`).toBe(200);
    }
    const live = `/api/v1/sessions/${session}/live`;
    expect(await get(live, upgrade)).toBe(401);
    expect(
      await get(live, {
        ...upgrade,
        "Sec-WebSocket-Protocol": `bearer, ${server.tokens.READ_TOKEN}`,
      }),
    ).toBe(101);
  });

  it("creates no storage for reads of sessions that do not exist", async () => {
    const before = sessionDatabases();
    const read = { Authorization: `Bearer ${server.tokens.READ_TOKEN}` };
    for (let i = 0; i < 20; i++) {
      const id = `made-up-${i}-${Date.now().toString(36)}`;
      expect(await get(`/api/v1/sessions/${id}`, read)).toBe(404);
      expect(await get(`/api/v1/sessions/${id}/laps`, read)).toBe(404);
      expect(await get(`/api/v1/sessions/${id}/telemetry`, read)).toBe(404);
      expect(await get(`/api/v1/sessions/${id}/live`, { ...upgrade, ...read })).toBe(404);
    }
    expect(sessionDatabases()).toBe(before);
  });
});
