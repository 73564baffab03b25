import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { IbtImport } from "../../src/schemas/responses";
import type { LapView, SessionSummary } from "../../src/session/types";
import { api, getJson, uniqueId } from "../helpers/api";
import { TEST_TOKENS } from "../helpers/tokens";
import { type DriveOptions, driveBridge } from "../scripts/bridge/drive";
import { MemoryImage } from "../scripts/bridge/memory-image";
import { renamed, twoSessions } from "../scripts/bridge/recordings";
import { lapRecording } from "../scripts/ibt/lap-recording";
import { amgRecording } from "./replay-fixture";

// `pnpm simulate bridge` end to end: a simulated sim plays a recording into a memory image at
// 60 Hz (and faster) with three rotating buffers; the bridge's own loop reads it and posts
// through the Worker's real fetch handler. What it stores must be what uploading the same file
// to POST /api/v1/ibt stores.

function bridge(image: MemoryImage, sessionId: string, extra: Partial<DriveOptions> = {}) {
  return driveBridge({
    image,
    sessionId,
    token: TEST_TOKENS.ingest,
    fetch: (req) => exports.default.fetch(req),
    ...extra,
  });
}

async function upload(bytes: Uint8Array, sessionId: string, driverId: string): Promise<IbtImport> {
  const res = await api(`/api/v1/ibt?session_id=${sessionId}&driver_id=${driverId}`, {
    method: "POST",
    headers: {
      "Content-Type": "application/octet-stream",
      Authorization: `Bearer ${TEST_TOKENS.ingest}`,
    },
    body: bytes,
  });
  expect(res.status).toBe(201);
  return (await res.json()) as IbtImport;
}

async function lapsOf(sessionId: string) {
  const { res, body } = await getJson<LapView[]>(`/api/v1/sessions/${sessionId}/laps`);
  expect(res.status).toBe(200);
  return body.map((l) => ({
    lap: l.lap,
    lap_time: l.lap_time,
    timed: l.timed,
    time_source: l.time_source,
    sample_count: l.sample_count,
    max_speed: l.max_speed,
    duration_ms: Date.parse(l.end_time) - Date.parse(l.start_time),
  }));
}

async function summaryOf(sessionId: string): Promise<SessionSummary> {
  const { res, body } = await getJson<SessionSummary>(`/api/v1/sessions/${sessionId}`);
  expect(res.status).toBe(200);
  return body;
}

describe("pnpm simulate bridge into the Worker", () => {
  it.each([1, 4])(
    "stores the laps an upload of the same file stores, iRacing's times within 2 ms (%i × 60 Hz)",
    async (speed) => {
      // Three laps, the second untimed, after 30 zeroed glitch samples like iRacing's own.
      const glitches = Array.from({ length: 30 }, (_, i) => i);
      const rec = lapRecording({ laps: 3, untimed: [2], glitches, seed: 20 + speed });
      const sessionId = uniqueId("bridge-laps");
      const run = await bridge(new MemoryImage(rec.bytes), sessionId, {
        speed,
        pollHz: 240 * speed,
      });
      expect(run.state.ticks).toMatchObject({ read: rec.source.length, missed: 0 });
      expect(run.state.send.samplesRejected).toBe(0);

      const imported = await upload(rec.bytes, uniqueId("bridge-upload"), "test-driver-uno");
      const live = await summaryOf(sessionId);
      // Every tick once: the upload's count, glitches skipped by both.
      expect(live.sample_count).toBe(imported.samples);
      expect(live.sample_count).toBe(rec.source.length - 30);
      expect(await lapsOf(sessionId)).toEqual(await lapsOf(imported.session_id));

      const laps = await lapsOf(sessionId);
      expect(laps.map((l) => l.lap)).toEqual(rec.laps.map((l) => l.lap));
      rec.laps.forEach((want, i) => {
        const got = laps[i];
        if (want.time > 0) {
          expect(got).toMatchObject({ timed: true, time_source: "official" });
          expect(Math.abs((got?.lap_time ?? 0) - want.time)).toBeLessThan(0.002);
        } else {
          expect(got).toMatchObject({ timed: false, lap_time: null });
        }
      });
    },
    180_000,
  );

  it("streams the AMG GT4 recording sample for sample as its upload stores it", async () => {
    const bytes = amgRecording();
    const sessionId = uniqueId("bridge-amg");
    const run = await bridge(new MemoryImage(bytes), sessionId, { speed: 4, pollHz: 960 });
    expect(run.state.ticks).toMatchObject({ read: 3371, missed: 0 });
    const imported = await upload(
      bytes,
      uniqueId("bridge-amg-upload"),
      run.sessions[0]?.driverId ?? "",
    );
    expect(imported.samples).toBe(3371);

    const rows = async (id: string) => {
      const path = `/api/v1/sessions/${id}/telemetry?limit=10000`;
      const { body } = await getJson<Record<string, unknown>[]>(path);
      return body;
    };
    const live = await rows(sessionId);
    const file = await rows(imported.session_id);
    expect(live).toHaveLength(3371);
    const t0 = (r: Record<string, unknown>[]) => Date.parse(String(r[0]?.timestamp));
    live.forEach((row, i) => {
      const { id, session_id, timestamp, ...channels } = row;
      const want = file[i] as Record<string, unknown>;
      const { id: _, session_id: __, timestamp: wantTs, ...wanted } = want;
      expect(channels).toEqual(wanted);
      expect(Date.parse(String(timestamp)) - t0(live)).toBe(Date.parse(String(wantTs)) - t0(file));
    });
    expect((await summaryOf(sessionId)).track_name).toBe("Red Bull Ring - Grand Prix");
  }, 180_000);

  it("stores nothing twice when the sim disconnects mid-lap and comes back", async () => {
    const rec = lapRecording({ laps: 1, seed: 6 });
    const sessionId = uniqueId("bridge-drop");
    const run = await bridge(new MemoryImage(rec.bytes), sessionId, {
      end: "stop",
      before: (i, image) => {
        if (i !== 700) return undefined;
        image.setConnected(false);
        return 2000;
      },
      resume: (_, image) => image.setConnected(true),
    });
    expect(run.sessions.map((s) => [s.sessionId, s.resumed])).toEqual([
      [sessionId, false],
      [sessionId, true],
    ]);
    // The ticks still in the buffers are read again on reconnection, with the timestamps they
    // had: the server counts each as a duplicate.
    const again = run.state.ticks.read - rec.source.length;
    expect(again).toBeGreaterThan(0);
    expect(run.state.send.duplicates).toBe(again);
    expect((await summaryOf(sessionId)).sample_count).toBe(rec.source.length);
  }, 180_000);

  it("follows a change of session and of driver into sessions the Worker accepts", async () => {
    const base = uniqueId("bridge-rig");
    const run = await bridge(new MemoryImage(twoSessions()), base, {
      before: (i, image) => {
        if (i === 150) image.setSessionInfo(renamed(image.sessionInfo));
        return undefined;
      },
    });
    expect(run.state.send).toMatchObject({ samplesAcked: 600, samplesRejected: 0 });
    const practice = await summaryOf(base);
    expect(practice.session_type).toBe("Practice");
    expect(practice.drivers.map((d) => [d.driver_id, d.sample_count])).toEqual([
      ["second-driver", 150],
      ["test-driver-uno", 150],
    ]);
    const qualify = await summaryOf(`${base}-2`);
    expect(qualify).toMatchObject({ session_type: "Qualify", sample_count: 300 });
  }, 180_000);
});
