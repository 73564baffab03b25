import { describe, expect, it } from "vitest";
import { memorySource, openIbt } from "../../src/ibt";
import { recordingMeta } from "../../src/ibt/meta";
import type { IbtImport as ImportAnswer } from "../../src/schemas/responses";
import type { LapView, SessionSummary } from "../../src/session/types";
import { amgRecording, w13Recording } from "../cli/replay-fixture";
import { api, getJson, rawApi, uniqueId } from "../helpers/api";
import { MANY_REQUESTS_TIMEOUT } from "../helpers/timeouts";
import { TEST_TOKENS } from "../helpers/tokens";
import { lapRecording } from "../scripts/ibt/lap-recording";

// `POST /api/v1/ibt` through the Worker's real fetch handler into real session objects and D1.

function upload(bytes: Uint8Array, query = "", headers: Record<string, string> = {}) {
  return api(`/api/v1/ibt${query}`, {
    method: "POST",
    headers: {
      "Content-Type": "application/octet-stream",
      Authorization: `Bearer ${TEST_TOKENS.ingest}`,
      ...headers,
    },
    body: bytes,
  });
}

async function sha256(bytes: Uint8Array): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  return Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("");
}

async function summaryOf(sessionId: string) {
  return getJson<SessionSummary>(`/api/v1/sessions/${sessionId}`);
}

describe("POST /api/v1/ibt", () => {
  it("stores a real recording under the ids its session info implies, and a second upload changes nothing", async () => {
    const bytes = amgRecording();
    const meta = recordingMeta(await openIbt(memorySource(bytes)));
    const first = await upload(bytes);
    expect(first.status).toBe(201);
    const answer = (await first.json()) as ImportAnswer;
    expect(answer).toEqual({
      session_id: meta.defaultSessionId,
      driver_id: meta.defaultDriverId,
      track_name: meta.trackName,
      car_name: meta.carName,
      session_type: "Offline Testing",
      samples: 3371,
      max_speed: answer.max_speed,
      laps: [],
      sessions: [
        {
          session_id: meta.defaultSessionId,
          session_type: "Offline Testing",
          samples: 3371,
          max_speed: answer.max_speed,
          laps: [],
        },
      ],
      skipped: { glitch: 0, out_of_order: 0, invalid: 0 },
      duplicates: 0,
      sha256: await sha256(bytes),
    });
    const { body: summary } = await summaryOf(answer.session_id);
    expect(summary).toMatchObject({ sample_count: 3371, track_name: meta.trackName });
    // iRacing's top speed in the file, 57.0722 m/s: 205.46 km/h, as the float32 stored.
    expect(answer.max_speed).toBeCloseTo(205.46, 2);
    const path = `/api/v1/sessions/${answer.session_id}/telemetry?fields=speed&limit=10000`;
    const { body: rows } = await getJson<{ speed: number }[]>(path);
    expect(rows).toHaveLength(3371);
    expect(Math.max(...rows.map((r) => r.speed))).toBe(answer.max_speed);

    const again = await upload(bytes);
    expect(again.status).toBe(200);
    expect(await again.json()).toEqual(answer);
    expect((await summaryOf(answer.session_id)).body.sample_count).toBe(3371);
  });

  it("reads a version-1 recording as it reads version 2", async () => {
    const v2 = w13Recording();
    const v1 = v2.slice();
    new DataView(v1.buffer).setInt32(0, 1, true);
    const a = (await (
      await upload(v2, `?session_id=${uniqueId("ibt-v2")}`)
    ).json()) as ImportAnswer;
    const res = await upload(v1, `?session_id=${uniqueId("ibt-v1")}`);
    expect(res.status).toBe(201);
    const b = (await res.json()) as ImportAnswer;
    expect(b.samples).toBe(390);
    expect(b.max_speed).toBe(a.max_speed);
    expect(b.sha256).not.toBe(a.sha256);
  });

  it("stores under the session and driver the query names", async () => {
    const sessionId = uniqueId("ibt-up");
    const res = await upload(w13Recording(), `?session_id=${sessionId}&driver_id=rig-7`);
    expect(res.status).toBe(201);
    const answer = (await res.json()) as ImportAnswer;
    expect(answer).toMatchObject({ session_id: sessionId, driver_id: "rig-7", samples: 390 });
    const { res: got, body } = await summaryOf(sessionId);
    expect(got.status).toBe(200);
    expect(body.drivers.map((d) => [d.driver_id, d.sample_count])).toEqual([["rig-7", 390]]);
  });

  it("imports again once the samples an upload stored were deleted", async () => {
    const sessionId = uniqueId("ibt-del");
    const driver = uniqueId("rig");
    const query = `?session_id=${sessionId}&driver_id=${driver}`;
    expect((await upload(w13Recording(), query)).status).toBe(201);
    const deleted = await api(`/api/v1/drivers/${driver}/telemetry`, {
      method: "DELETE",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ older_than: "2100-01-01T00:00:00Z" }),
    });
    expect(deleted.status).toBe(200);
    const again = await upload(w13Recording(), query);
    expect(again.status).toBe(201);
    expect(((await again.json()) as ImportAnswer).duplicates).toBe(0);
    expect((await summaryOf(sessionId)).body.sample_count).toBe(390);
  });

  it("answers iRacing's own lap times, the untimed laps flagged, the same as the lap table", async () => {
    const rec = lapRecording({ laps: 3, untimed: [2], seed: 11 });
    const sessionId = uniqueId("ibt-laps");
    const res = await upload(rec.bytes, `?session_id=${sessionId}`);
    expect(res.status).toBe(201);
    const answer = (await res.json()) as ImportAnswer;
    const expected = rec.laps.map((l) => ({
      lap: l.lap,
      valid: l.time !== -1,
      time: l.time,
    }));
    expect(answer.laps.map((l) => ({ lap: l.lap, valid: l.valid }))).toEqual(
      expected.map(({ lap, valid }) => ({ lap, valid })),
    );
    for (const [i, lap] of answer.laps.entries()) {
      const want = expected[i]?.time as number;
      if (want > 0) expect(Math.abs((lap.lap_time as number) - want)).toBeLessThan(0.002);
    }
    const { body: table } = await getJson<LapView[]>(`/api/v1/sessions/${sessionId}/laps`);
    expect(table.map((l) => [l.lap, l.lap_time, l.timed, l.sample_count])).toEqual(
      answer.laps.map((l) => [l.lap, l.lap_time, l.valid, l.sample_count]),
    );
  });

  it("refuses another content type, a missing token, and a file past MAX_IBT_BYTES", async () => {
    const bytes = w13Recording();
    const json = await upload(bytes, "", { "Content-Type": "application/json" });
    expect(json.status).toBe(415);
    const none = await rawApi("/api/v1/ibt", {
      method: "POST",
      headers: { "Content-Type": "application/octet-stream" },
      body: bytes,
    });
    expect(none.status).toBe(401);
    // vitest.config.ts sets MAX_IBT_BYTES to 4,000,000.
    const big = await upload(new Uint8Array(4_000_001));
    expect(big.status).toBe(413);
    const body = (await big.json()) as { code: string; error: string };
    expect(body.code).toBe("payload_too_large");
    expect(body.error).toContain("MAX_IBT_BYTES");
  });

  it("refuses a bad query with the field and the rule", async () => {
    const res = await upload(w13Recording(), "?session_id=has%20space");
    expect(res.status).toBe(400);
    const body = (await res.json()) as { details: { path: string }[] };
    expect(body.details[0]?.path).toBe("session_id");
  });
});

describe("damaged files", () => {
  async function refused(bytes: Uint8Array, sessionId: string): Promise<string> {
    const res = await upload(bytes, `?session_id=${sessionId}`);
    const body = (await res.json()) as { code: string; error: string };
    expect(res.status, body.error).toBe(422);
    expect(body.code).toBe("invalid_ibt");
    expect((await summaryOf(sessionId)).res.status).toBe(404);
    return body.error;
  }

  it("refuses an empty body and a wrong version, saying what and where", async () => {
    expect(await refused(new Uint8Array(0), uniqueId("ibt-empty"))).toMatch(/0 bytes/);
    const bytes = w13Recording().slice();
    new DataView(bytes.buffer).setInt32(0, 7, true);
    expect(await refused(bytes, uniqueId("ibt-ver"))).toMatch(/version 7 at offset 0/);
  });

  it("refuses the file truncated at every section boundary, storing nothing", async () => {
    const bytes = w13Recording();
    const file = await openIbt(memorySource(bytes));
    const h = file.header;
    const cuts = new Set([
      1,
      111,
      112,
      143,
      144,
      h.variableHeaderOffset + 144,
      h.variableHeaderOffset + h.variableCount * 144 - 1,
      h.sessionInfoOffset,
      h.sessionInfoOffset + Math.floor(h.sessionInfoLength / 2),
      h.sampleDataOffset - 1,
      h.sampleDataOffset + 1,
      h.sampleDataOffset + h.bytesPerSample * 100 + 3,
      bytes.byteLength - 1,
    ]);
    for (const cut of cuts) {
      const error = await refused(bytes.subarray(0, cut), uniqueId(`ibt-cut${cut}`));
      expect(error).toMatch(/offset|bytes/);
    }
  });

  it(
    "answers random mutations with a 2xx or a 422, never a 5xx, and stores nothing when refusing",
    async () => {
      const original = w13Recording();
      const file = await openIbt(memorySource(original));
      const headerEnd = file.header.sampleDataOffset;
      let seed = 20_261_204;
      const random = () => {
        seed = (Math.imul(seed, 1_103_515_245) + 12_345) >>> 0;
        return seed / 2 ** 32;
      };
      const outcomes = { stored: 0, refused: 0 };
      for (let round = 0; round < 40; round++) {
        const bytes = original.slice();
        const flips = 1 + Math.floor(random() * 8);
        for (let i = 0; i < flips; i++) {
          // Most mutations land in the headers, variable headers and session info, where a byte
          // changes the structure; a few in the samples.
          const at = Math.floor(random() * (random() < 0.8 ? headerEnd : bytes.byteLength));
          bytes[at] = Math.floor(random() * 256);
        }
        const sessionId = uniqueId(`ibt-fuzz${round}`);
        const res = await upload(bytes, `?session_id=${sessionId}`);
        const body = (await res.json()) as { code?: string; error?: string };
        expect([200, 201, 422], `round ${round}: ${body.error}`).toContain(res.status);
        if (res.status === 422) {
          outcomes.refused++;
          expect(body.code).toBe("invalid_ibt");
          expect((await summaryOf(sessionId)).res.status).toBe(404);
        } else outcomes.stored++;
      }
      expect(outcomes.refused).toBeGreaterThan(0);
    },
    MANY_REQUESTS_TIMEOUT,
  );

  it("refuses random bytes", async () => {
    const bytes = new Uint8Array(50_000);
    crypto.getRandomValues(bytes);
    await refused(bytes, uniqueId("ibt-noise"));
  });
});
