import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { uploadIbt } from "../../scripts/lib/ibt-upload";
import { uniqueId } from "../helpers/api";
import { TEST_TOKENS } from "../helpers/tokens";
import { lapRecording } from "../scripts/ibt/lap-recording";

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
});
