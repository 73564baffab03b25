import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { resultLine, uploadIbt } from "../../scripts/ibt/upload";
import { palette } from "../../scripts/lib/color";
import type { SessionSummary } from "../../src/schemas/responses";
import { getJson, uniqueId } from "../helpers/api";
import { TEST_TOKENS } from "../helpers/tokens";
import { lapRecording } from "../scripts/ibt/lap-recording";
import { amgRecording } from "./replay-fixture";

// `pnpm simulate import`'s upload, end to end: the CLI's streaming uploader through the Worker's
// real fetch handler into real session objects and D1.

function streamOf(bytes: Uint8Array, chunk = 64 * 1024): () => ReadableStream<Uint8Array> {
  return () => {
    let at = 0;
    return new ReadableStream<Uint8Array>({
      pull(controller) {
        if (at >= bytes.byteLength) controller.close();
        else {
          controller.enqueue(bytes.slice(at, at + chunk));
          at += chunk;
        }
      },
    });
  };
}

describe("pnpm simulate import into the Worker", () => {
  it("uploads a recording with laps, reports every byte sent, and a second upload answers 200", async () => {
    const rec = lapRecording({ laps: 2, seed: 5 });
    const sessionId = uniqueId("cli-import");
    const progress: number[] = [];
    const upload = () =>
      uploadIbt({
        url: "http://rustegrate.test",
        token: TEST_TOKENS.ingest,
        fetch: (req) => exports.default.fetch(req),
        open: streamOf(rec.bytes),
        size: rec.bytes.byteLength,
        sessionId,
        onProgress: (sent) => progress.push(sent),
      });
    const first = await upload();
    expect(first.status).toBe(201);
    expect(progress.at(-1)).toBe(rec.bytes.byteLength);
    expect(first.body.session_id).toBe(sessionId);
    const timed = first.body.laps.filter((l) => l.valid);
    const posted = rec.laps.filter((l) => l.time > 0);
    expect(timed.map((l) => l.lap)).toEqual(posted.map((l) => l.lap));
    for (const [i, lap] of timed.entries()) {
      expect(Math.abs((lap.lap_time as number) - (posted[i]?.time as number))).toBeLessThan(0.002);
    }
    const second = await upload();
    expect(second.status).toBe(200);
    expect(second.body).toEqual(first.body);
  });

  it("uploads the AMG recording as iRacing wrote it: every sample stored, the same line twice", async () => {
    const bytes = amgRecording();
    const sessionId = uniqueId("cli-import-amg");
    const sent: number[] = [];
    const upload = () =>
      uploadIbt({
        url: "http://rustegrate.test",
        token: TEST_TOKENS.ingest,
        fetch: (req) => exports.default.fetch(req),
        open: streamOf(bytes),
        size: bytes.byteLength,
        sessionId,
        driverId: "amg-rig",
        onProgress: (n) => sent.push(n),
      });
    const first = await upload();
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({
      session_id: sessionId,
      driver_id: "amg-rig",
      track_name: "Red Bull Ring - Grand Prix",
      session_type: "Offline Testing",
      samples: 3371,
      laps: [],
    });
    expect(sent.at(-1)).toBe(bytes.byteLength);
    expect(sent).toHaveLength(Math.ceil(bytes.byteLength / (64 * 1024)));
    const c = palette(false);
    expect(resultLine("amg-gt4_red-bull-ring.ibt", first.body, false, c)).toBe(
      `amg-gt4_red-bull-ring.ibt: 0 laps, 3,371 samples -> session ${sessionId}`,
    );
    const { body: summary } = await getJson<SessionSummary>(`/api/v1/sessions/${sessionId}`);
    expect(summary.sample_count).toBe(3371);

    const second = await upload();
    expect(second.status).toBe(200);
    expect(second.body).toEqual(first.body);
    expect(resultLine("amg-gt4_red-bull-ring.ibt", second.body, true, c)).toBe(
      `amg-gt4_red-bull-ring.ibt: 0 laps, 3,371 samples -> session ${sessionId} (already imported)`,
    );
  });
});
