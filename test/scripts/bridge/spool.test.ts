import { spawn } from "node:child_process";
import { appendFileSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { OutBatch } from "../../../scripts/bridge/batches";
import { Spool } from "../../../scripts/bridge/spool";
import { SpoolLockedError, spoolFile } from "../../../scripts/bridge/spool-file";
import { tempDir } from "../cli/run-cli";
import { lapRecording } from "../ibt/lap-recording";
import { driveBridge } from "./drive";
import { fakeApi } from "./fake-api";
import { MemoryImage } from "./memory-image";

// The journal: batches kept while the API is unreachable, sent in order, bounded; and its file.

const URL_A = "http://127.0.0.1:8787";

function batch(n: number, samples = 60): OutBatch {
  const firstTs = 1_700_000_000_000 + n * 1000;
  return {
    key: `s:d:${n}`,
    sessionId: "s",
    driverId: "d",
    samples,
    firstTs,
    lastTs: firstTs + 983,
    body: {
      driver_id: "d",
      track_name: "T",
      car_name: "C",
      session_type: "Practice",
      samples: [],
    },
  };
}

describe("batches while the API is unreachable", () => {
  it("are kept and sent in order once it answers again, each sample once", async () => {
    const rec = lapRecording({ laps: 1, seed: 2 });
    const api = fakeApi();
    api.state.down = true;
    const run = await driveBridge({
      image: new MemoryImage(rec.bytes),
      fetch: api.fetch,
      sessionId: "outage",
      retries: 1,
      before: (i) => {
        if (i === 1200) api.state.down = false;
        return undefined;
      },
    });
    expect(run.events.some((e) => e.type === "unreachable")).toBe(true);
    expect(run.events.some((e) => e.type === "reachable")).toBe(true);
    expect(api.samples("outage")).toHaveLength(rec.source.length);
    const firsts = api.bodies.map((b) => b.key);
    expect(firsts).toEqual(
      [...firsts].sort(
        (a, b) =>
          Number.parseInt(a?.split(":")[2] ?? "", 36) - Number.parseInt(b?.split(":")[2] ?? "", 36),
      ),
    );
    expect(run.state.spool.batches).toBe(0);
  }, 60_000);

  it("drop the oldest past the bound, each reported with its session and time span", async () => {
    const rec = lapRecording({ laps: 1, seed: 2 });
    const api = fakeApi();
    api.state.down = true;
    const spool = new Spool({ url: "http://rustegrate.test", maxBytes: 150_000 });
    spool.restore();
    const run = await driveBridge({
      image: new MemoryImage(rec.bytes),
      fetch: api.fetch,
      spool,
      sessionId: "bounded",
      retries: 0,
      before: (i) => {
        if (i === 1500) api.state.down = false;
        return undefined;
      },
    });
    const dropped = run.events.flatMap((e) => (e.type === "dropped" ? [e.batch] : []));
    expect(dropped.length).toBeGreaterThan(5);
    const lost = dropped.reduce((n, b) => n + b.samples, 0);
    expect(run.state.droppedSamples).toBe(lost);
    const stored = api.samples("bounded");
    expect(stored).toHaveLength(rec.source.length - lost);
    // The oldest went: what is stored is everything after the last batch dropped.
    const lastDropped = Math.max(...dropped.map((b) => b.lastTs));
    expect(Date.parse(stored[0]?.timestamp ?? "")).toBeGreaterThan(lastDropped);
  }, 60_000);
});

describe("the journal file", () => {
  it("gives back the batches not done and the sessions after a restart, a cut last line ignored", () => {
    const path = join(tempDir(), "spool.jsonl");
    const first = new Spool({ url: URL_A, maxBytes: 1 << 20, store: spoolFile(path) });
    first.restore();
    for (const n of [1, 2, 3]) first.push(batch(n));
    first.done("s:d:1", "acked");
    first.saveSession({
      id: "s",
      base: null,
      key: "k",
      anchor: 1_700_000_000_000,
      origin: null,
      last: 0,
    });
    first.close();
    appendFileSync(path, '{"t":"batch","k":"s:d:4","s":"s"'); // a crash in the middle of a line

    const again = new Spool({ url: URL_A, maxBytes: 1 << 20, store: spoolFile(path) });
    expect(again.restore()).toEqual({ batches: 2, samples: 120, otherUrl: undefined });
    expect(again.head()?.key).toBe("s:d:2");
    expect(again.sessions()).toEqual([
      {
        id: "s",
        base: null,
        key: "k",
        anchor: 1_700_000_000_000,
        origin: null,
        last: 1_700_000_003_983,
      },
    ]);
    again.push(batch(5));
    again.close();
    expect(
      readFileSync(path, "utf8")
        .split("\n")
        .filter(Boolean)
        .every((l) => JSON.parse(l)),
    ).toBe(true);
  });

  it("leaves batches meant for another server alone", () => {
    const path = join(tempDir(), "spool.jsonl");
    const first = new Spool({ url: URL_A, maxBytes: 1 << 20, store: spoolFile(path) });
    first.restore();
    first.push(batch(1));
    first.close();
    const other = new Spool({
      url: "https://api.example.test",
      maxBytes: 1 << 20,
      store: spoolFile(path),
    });
    expect(other.restore()).toEqual({ batches: 1, samples: 60, otherUrl: URL_A });
    other.close();
  });

  it("is compacted once nothing waits, keeping the sessions", () => {
    const path = join(tempDir(), "spool.jsonl");
    const spool = new Spool({ url: URL_A, maxBytes: 1 << 30, store: spoolFile(path) });
    spool.restore();
    spool.saveSession({ id: "s", base: "s", key: "k", anchor: 5000, origin: null, last: 0 });
    const big = (n: number): OutBatch => ({
      ...batch(n),
      body: { ...batch(n).body, track_name: "x".repeat(20_000) },
    });
    for (let n = 0; n < 80; n++) {
      spool.push(big(n));
      spool.done(`s:d:${n}`, "acked");
    }
    spool.close();
    expect(readFileSync(path).byteLength).toBeLessThan(1 << 20);
    const lines = readFileSync(path, "utf8")
      .split("\n")
      .filter(Boolean)
      .map((l) => JSON.parse(l));
    expect(lines.filter((l) => l.t === "session").map((l) => l.id)).toContain("s");
  });

  it("is refused to a second bridge while the first holds it, and taken over from a dead one", async () => {
    const path = join(tempDir(), "spool.jsonl");
    // Another bridge's process: alive, with "bridge" on its command line.
    const other = spawn(process.execPath, ["-e", "setTimeout(() => {}, 30000)", "bridge"]);
    try {
      writeFileSync(`${path}.lock`, String(other.pid));
      expect(() => spoolFile(path)).toThrow(SpoolLockedError);
    } finally {
      other.kill();
      await new Promise((r) => other.once("exit", r));
    }
    spoolFile(path).close(); // its process is gone: the lock is taken over
    writeFileSync(`${path}.lock`, String(process.ppid)); // a live process, but no bridge
    spoolFile(path).close();
  });
});
