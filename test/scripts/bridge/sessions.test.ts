import { describe, expect, it } from "vitest";
import type { SessionView } from "../../../scripts/bridge/session";
import { lapRecording } from "../ibt/lap-recording";
import { driveBridge, memorySpool, memoryStore } from "./drive";
import { fakeApi } from "./fake-api";
import { MemoryImage } from "./memory-image";
import { renamed, twoSessions } from "./recordings";

// The sim's sessions as the bridge follows them: changes, session-info updates, disconnects,
// and a bridge restarted in the middle of a session.

const ids = (sessions: SessionView[]) => sessions.map((s) => [s.sessionId, s.sessionType]);

describe("sessions the bridge follows", () => {
  it("starts a new session when SessionNum changes, and takes a new driver name at once", async () => {
    const api = fakeApi();
    const run = await driveBridge({
      image: new MemoryImage(twoSessions()),
      fetch: api.fetch,
      sessionId: "rig",
      before: (i, image) => {
        if (i === 150) image.setSessionInfo(renamed(image.sessionInfo));
        return undefined;
      },
    });
    expect(ids(run.sessions)).toEqual([
      ["rig", "Practice"],
      ["rig-2", "Qualify"],
    ]);
    const first = api.samples("rig");
    expect(first).toHaveLength(300);
    expect(first.slice(0, 150).every((s) => s.driver_id === "test-driver-uno")).toBe(true);
    expect(first.slice(150).every((s) => s.driver_id === "second-driver")).toBe(true);
    expect(api.samples("rig-2")).toHaveLength(300);
    // SessionTime restarted at 0 in Qualify: its anchor is that session's own.
    const [practice, qualify] = run.sessions;
    expect((qualify?.anchor ?? 0) - (practice?.anchor ?? 0)).toBeGreaterThan(100_000);
    const info = run.events.find((e) => e.type === "session-info");
    expect(info).toMatchObject({ changed: ["driverId"], session: { driverId: "second-driver" } });
  }, 60_000);

  it("names sessions from the session info when no --session is given", async () => {
    const api = fakeApi();
    const run = await driveBridge({ image: new MemoryImage(twoSessions()), fetch: api.fetch });
    const [a, b] = run.sessions.map((s) => s.sessionId);
    expect(a).toMatch(/^live-charlotte-oval-\d{8}-\d{6}-s0$/);
    expect(b).toMatch(/^live-charlotte-oval-\d{8}-\d{6}-s1$/);
    expect(api.samples(a ?? "")).toHaveLength(300);
  }, 60_000);

  it("ends the session when the sim disconnects and resumes it, every tick once, when it returns", async () => {
    const rec = lapRecording({ laps: 1, seed: 9 });
    const api = fakeApi();
    const run = await driveBridge({
      image: new MemoryImage(rec.bytes),
      fetch: api.fetch,
      sessionId: "drop",
      end: "stop",
      before: (i, image) => {
        if (i !== 900) return undefined;
        image.setConnected(false);
        return 3000;
      },
      resume: (_, image) => image.setConnected(true),
    });
    const kinds = run.events.flatMap((e) =>
      e.type === "session-end"
        ? [`end ${e.reason}`]
        : e.type === "session-start"
          ? [`start${e.session.resumed ? " resumed" : ""}`]
          : e.type === "disconnected" || e.type === "connected"
            ? [e.type]
            : [],
    );
    expect(kinds).toEqual([
      "connected",
      "start",
      "end disconnected",
      "disconnected",
      "connected",
      "start resumed",
      "end stopped",
    ]);
    expect(run.sessions.map((s) => s.sessionId)).toEqual(["drop", "drop"]);
    expect(api.samples("drop")).toHaveLength(rec.source.length);
    expect(run.state.ticks.missed).toBe(0);
    // The ticks still in the buffers are read again, with the timestamps they had.
    expect(run.state.send.duplicates).toBe(run.state.ticks.read - rec.source.length);
    expect(run.state.send.duplicates).toBeGreaterThan(0);
  }, 60_000);

  it("gives the ticks it reads again after a restart the timestamps they had: stored once", async () => {
    const rec = lapRecording({ laps: 1, seed: 4 });
    const image = new MemoryImage(rec.bytes);
    const api = fakeApi();
    const store = memoryStore();
    const url = "http://rustegrate.test";
    const half = 1000;
    const first = await driveBridge({
      image,
      fetch: api.fetch,
      spool: memorySpool(url, store),
      sessionId: "restart",
      to: half,
      end: "stop",
    });
    // A second bridge on the same journal, a second later (the sim paused meanwhile: a fresh
    // now - SessionTime would be a second off); the buffers still hold the last three ticks.
    const second = await driveBridge({
      image,
      fetch: api.fetch,
      spool: memorySpool(url, store),
      sessionId: "restart",
      from: half,
      start: first.clock + 1000,
    });
    expect(second.sessions[0]).toMatchObject({
      sessionId: "restart",
      resumed: true,
      anchor: first.sessions[0]?.anchor,
    });
    expect(second.state.ticks.read).toBe(rec.source.length - half + image.bufferCount);
    expect(second.state.send.duplicates).toBe(image.bufferCount);
    expect(api.samples("restart")).toHaveLength(rec.source.length);
  }, 60_000);
});
