import { createExecutionContext, evictDurableObject, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it } from "vitest";
import { createApp } from "../../src/router";
import { CHANNEL_NAMES } from "../../src/schemas/telemetry";
import { sessionStub } from "../../src/session/client";
import type { LiveLimits } from "../../src/session/live";
import type { SessionDO } from "../../src/session/session-do";
import { api, batchBody, post, series, uniqueId } from "../helpers/api";
import { TEST_TOKENS } from "../helpers/tokens";

type Json = Record<string, unknown>;
type Columns = Record<string, (number | null)[]>;
interface Message extends Json {
  type: "snapshot" | "samples" | "lap" | "resync" | "error" | "pong";
  seq: number;
}

const T0 = Date.UTC(2024, 4, 1, 12, 0, 0);
const WAIT_MS = 3000;

/** One live connection, its messages queued in arrival order. */
class LiveClient {
  readonly received: Message[] = [];
  readonly closed: Promise<{ code: number; reason: string }>;
  #queue: Message[] = [];
  #waiting: ((m: Message) => void) | null = null;

  constructor(
    readonly ws: WebSocket,
    readonly autoAck: boolean,
  ) {
    this.closed = new Promise((resolve) =>
      ws.addEventListener("close", (e) => resolve({ code: e.code, reason: e.reason })),
    );
    ws.addEventListener("message", (e) => {
      const text = e.data as string;
      // "pong" answers a "ping" keep-alive; everything else is JSON.
      const msg = (text === "pong" ? { type: "pong" } : JSON.parse(text)) as Message;
      this.received.push(msg);
      if (autoAck && typeof msg.seq === "number" && ws.readyState === WebSocket.OPEN) {
        ws.send(JSON.stringify({ type: "ack", seq: msg.seq }));
      }
      if (this.#waiting) {
        const resolve = this.#waiting;
        this.#waiting = null;
        resolve(msg);
      } else this.#queue.push(msg);
    });
    ws.accept();
  }

  /** The next message, waiting at most WAIT_MS for it. */
  next(): Promise<Message> {
    const queued = this.#queue.shift();
    if (queued) return Promise.resolve(queued);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiting = null;
        reject(new Error(`no live message within ${WAIT_MS} ms`));
      }, WAIT_MS);
      this.#waiting = (m) => {
        clearTimeout(timer);
        resolve(m);
      };
    });
  }

  /** The next `n` messages. */
  async take(n: number): Promise<Message[]> {
    const out: Message[] = [];
    for (let i = 0; i < n; i++) out.push(await this.next());
    return out;
  }

  close(): void {
    try {
      this.ws.close(1000, "done");
    } catch {
      // already closed
    }
  }
}

const open: LiveClient[] = [];
afterEach(() => {
  for (const c of open.splice(0)) c.close();
});

function liveRequest(sessionId: string, query = "", headers: Record<string, string> = {}) {
  return new Request(`http://rustegrate.test/api/v1/sessions/${sessionId}/live${query}`, {
    headers: { Upgrade: "websocket", ...headers },
  });
}

/** Opens a live connection through the Worker's HTTP surface. */
async function connect(sessionId: string, query = "", autoAck = true): Promise<LiveClient> {
  const res = await api(`/api/v1/sessions/${sessionId}/live${query}`, {
    headers: { Upgrade: "websocket" },
  });
  if (res.status !== 101) expect.fail(`${res.status}: ${await res.text()}`);
  const client = new LiveClient(res.webSocket as WebSocket, autoAck);
  open.push(client);
  return client;
}

async function send(sessionId: string, samples: ReturnType<typeof series>, driver = "d1") {
  const res = await post(
    `/api/v1/sessions/${sessionId}/telemetry`,
    batchBody(samples, { driver_id: driver }),
  );
  expect(res.status, await res.clone().text()).toBe(201);
  return res.json<{ accepted: number; duplicates: number }>();
}

/** Creates the session (one sample of another driver, an hour earlier): live needs a session. */
async function openSession(sessionId: string) {
  await send(sessionId, series(T0 - 3_600_000, 1), "pit");
}

async function setLimits(sessionId: string, limits: Partial<LiveLimits>) {
  await runInDurableObject(sessionStub(env, sessionId), (instance: SessionDO) => {
    Object.assign(instance.live.limits, limits);
  });
}

const tsOf = (samples: ReturnType<typeof series>) =>
  samples.map((s) => Date.parse(s.timestamp as string));

describe("GET /api/v1/sessions/{session_id}/live", () => {
  it("sends a snapshot on join: summary, lap table and each driver's last seconds", async () => {
    const sessionId = uniqueId("live");
    const a = series(T0, 300, 60, (i) => ({ current_lap: i < 150 ? 1 : 2 }));
    await send(sessionId, a, "alice");
    await send(sessionId, series(T0, 120), "bob");
    const client = await connect(sessionId, "?window=2&channels=speed,current_lap");
    const snap = await client.next();
    expect(snap.type).toBe("snapshot");
    expect(snap.seq).toBeGreaterThan(0);
    expect(snap.session).toMatchObject({ session_id: sessionId, sample_count: 420 });
    expect(snap.laps).toEqual([expect.objectContaining({ driver_id: "alice", lap: 1 })]);
    const drivers = snap.drivers as { driver_id: string; samples: Columns }[];
    expect(drivers.map((d) => d.driver_id)).toEqual(["alice", "bob"]);
    const alice = drivers[0]?.samples as Columns;
    expect(Object.keys(alice)).toEqual(["ts", "speed", "current_lap"]);
    // The last 2 s of 60 Hz samples: 121 timestamps (both ends included).
    expect(alice.ts).toEqual(tsOf(a).slice(-121));
    expect(alice.current_lap?.at(-1)).toBe(2);
    expect(snap.options).toEqual({ hz: null, channels: ["speed", "current_lap"], window: 2 });
  });

  it("answers 404 for a session that was never written, without creating it", async () => {
    const sessionId = uniqueId("live");
    const res = await api(`/api/v1/sessions/${sessionId}/live`, {
      headers: { Upgrade: "websocket" },
    });
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({ code: "not_found" });
    expect((await api(`/api/v1/sessions/${sessionId}`)).status).toBe(404);
  });

  it("sends a new driver's first batch after the snapshot, as compact float32 columns", async () => {
    const sessionId = uniqueId("live");
    await openSession(sessionId);
    const client = await connect(sessionId);
    const snap = await client.next();
    expect(snap).toMatchObject({ type: "snapshot", seq: 1, laps: [] });
    expect((snap.drivers as Json[]).map((d) => d.driver_id)).toEqual(["pit"]);
    const samples = series(T0, 30);
    await send(sessionId, samples);
    const msg = await client.next();
    expect(msg).toMatchObject({ type: "samples", seq: 2, driver_id: "d1", car_name: "BMW M4 GT3" });
    const columns = msg.samples as Columns;
    expect(Object.keys(columns)).toEqual(["ts", ...CHANNEL_NAMES]);
    expect(columns.ts).toEqual(tsOf(samples));
    // Compact float32: each value reads back as the stored float32.
    expect(columns.speed?.map((v) => Math.fround(v as number))).toEqual(
      samples.map((s) => Math.fround(s.speed)),
    );
    expect(columns.last_lap_time?.[0]).toBe(92.417);
  });

  it("streams batches and lap events in order with consecutive sequence numbers", async () => {
    const sessionId = uniqueId("live");
    await openSession(sessionId);
    const client = await connect(sessionId, "?channels=current_lap&drivers=d1");
    expect((await client.next()).seq).toBe(1);
    const all = series(T0, 240, 60, (i) => ({ current_lap: 1 + Math.floor(i / 60) }));
    for (let i = 0; i < 4; i++) await send(sessionId, all.slice(i * 60, i * 60 + 60));
    // Re-sent samples are stored once, so they are published once.
    expect((await send(sessionId, all.slice(0, 60))).duplicates).toBe(60);
    await send(
      sessionId,
      series(T0 + 4000, 10, 60, () => ({ current_lap: 5 })),
    );

    const messages = await client.take(9);
    expect(messages.map((m) => m.seq)).toEqual([2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(messages.map((m) => m.type)).toEqual([
      "samples",
      "samples",
      "lap",
      "samples",
      "lap",
      "samples",
      "lap",
      "samples",
      "lap",
    ]);
    const laps = messages.filter((m) => m.type === "lap");
    expect(laps.map((m) => (m.lap as Json).lap)).toEqual([1, 2, 3, 4]);
    expect(laps.every((m) => m.event === "completed")).toBe(true);
    const ts = messages
      .filter((m) => m.type === "samples")
      .flatMap((m) => (m.samples as Columns).ts);
    expect(ts).toEqual([...tsOf(all), ...tsOf(series(T0 + 4000, 10))]);
  });

  it("gives several subscribers the same messages with the same sequence numbers", async () => {
    const sessionId = uniqueId("live");
    await send(sessionId, series(T0, 60));
    const clients = await Promise.all([1, 2, 3].map(() => connect(sessionId, "?channels=rpm")));
    const snaps = await Promise.all(clients.map((c) => c.next()));
    expect(new Set(snaps.map((s) => s.seq))).toEqual(new Set([1]));
    await send(sessionId, series(T0 + 1000, 60), "d1");
    await send(sessionId, series(T0 + 1000, 60), "d2");
    const streams = await Promise.all(clients.map((c) => c.take(2)));
    expect(streams[1]).toEqual(streams[0]);
    expect(streams[2]).toEqual(streams[0]);
    expect(streams[0]?.map((m) => [m.seq, m.driver_id])).toEqual([
      [2, "d1"],
      [3, "d2"],
    ]);
  });

  it("replays what a reconnecting client missed since its last sequence number", async () => {
    const sessionId = uniqueId("live");
    const all = series(T0, 300);
    await send(sessionId, all.slice(0, 60));
    const first = await connect(sessionId, "?channels=speed");
    const snap = await first.next();
    first.close();
    await first.closed;
    await send(sessionId, all.slice(60, 120));
    await send(sessionId, all.slice(120, 180));

    const again = await connect(sessionId, `?channels=speed&since=${snap.seq}`);
    const missed = await again.take(2);
    expect(missed.map((m) => [m.type, m.seq])).toEqual([
      ["samples", snap.seq + 1],
      ["samples", snap.seq + 2],
    ]);
    expect(missed.flatMap((m) => (m.samples as Columns).ts)).toEqual(tsOf(all.slice(60, 180)));

    // Up to date: nothing to replay, and the stream simply continues.
    const current = await connect(sessionId, `?channels=speed&since=${snap.seq + 2}`);
    await send(sessionId, all.slice(180, 240));
    expect(await current.next()).toMatchObject({ type: "samples", seq: snap.seq + 3 });
  });

  it("answers resync, then a snapshot, when it cannot replay from that sequence number", async () => {
    const sessionId = uniqueId("live");
    const all = series(T0, 180);
    await send(sessionId, all.slice(0, 60));
    await send(sessionId, all.slice(60, 120));
    // A new instance has no replay log: sequence numbers go on, the missed messages are gone.
    await evictDurableObject(sessionStub(env, sessionId));
    await send(sessionId, all.slice(120));

    const stale = await connect(sessionId, "?since=1&channels=speed");
    const [resync, snap] = await stale.take(2);
    expect(resync?.type).toBe("resync");
    expect(resync?.seq).toBeGreaterThan(2);
    expect(resync?.reason).toMatch(/older than the replay log/);
    expect(snap).toMatchObject({ type: "snapshot", seq: resync?.seq });

    const ahead = await connect(sessionId, `?since=${(resync?.seq ?? 0) + 5}&channels=speed`);
    expect(await ahead.next()).toMatchObject({ type: "resync", seq: resync?.seq });
    expect((await ahead.next()).type).toBe("snapshot");
  });

  it("keeps its replay log within logBytes: older messages answer resync", async () => {
    const sessionId = uniqueId("live");
    const all = series(T0, 240);
    await send(sessionId, all.slice(0, 60));
    // Room for two batches of 60 packed samples (23 float64 each) and no more.
    await setLimits(sessionId, { logBytes: 2 * 60 * 23 * 8 });
    for (let i = 1; i < 4; i++) await send(sessionId, all.slice(i * 60, i * 60 + 60));
    const probe = await connect(sessionId, "?channels=speed");
    const { seq } = await probe.next();
    // The last two batches replay; the one before them is gone.
    const recent = await connect(sessionId, `?channels=speed&since=${seq - 2}`);
    expect((await recent.take(2)).map((m) => [m.type, m.seq])).toEqual([
      ["samples", seq - 1],
      ["samples", seq],
    ]);
    const stale = await connect(sessionId, `?channels=speed&since=${seq - 3}`);
    const resync = await stale.next();
    expect(resync).toMatchObject({ type: "resync", seq });
    expect(resync.reason).toMatch(/older than the replay log/);
  });

  it("decimates to ?hz= and sends only the channels asked for", async () => {
    const sessionId = uniqueId("live");
    await openSession(sessionId);
    const fast = await connect(sessionId);
    const slow = await connect(sessionId, "?hz=10&channels=speed,gear");
    await Promise.all([fast.next(), slow.next()]);
    const samples = series(T0, 120); // 2 s at 60 Hz
    await send(sessionId, samples.slice(0, 45));
    await send(sessionId, samples.slice(45));

    const full = await fast.take(2);
    expect(full.flatMap((m) => (m.samples as Columns).ts)).toHaveLength(120);
    const thin = await slow.take(2);
    const kept = thin.flatMap((m) => (m.samples as Columns).ts) as number[];
    // The first sample of every 100 ms slot, across batch boundaries too.
    expect(kept).toEqual(tsOf(samples).filter((t) => (t - T0) % 100 < 1000 / 60));
    expect(kept).toHaveLength(20);
    expect(Object.keys(thin[0]?.samples as Columns)).toEqual(["ts", "speed", "gear"]);
  });

  it("sends only the drivers asked for", async () => {
    const sessionId = uniqueId("live");
    await openSession(sessionId);
    const client = await connect(sessionId, "?drivers=bob&channels=speed");
    await client.next();
    await send(sessionId, series(T0, 10), "alice");
    await send(sessionId, series(T0, 10), "bob");
    expect(await client.next()).toMatchObject({ driver_id: "bob", seq: 3 });
  });

  it("rejects a request that is not a WebSocket upgrade, and an invalid query, with 400", async () => {
    const sessionId = uniqueId("live");
    const plain = await api(`/api/v1/sessions/${sessionId}/live`);
    expect(plain.status).toBe(400);
    expect(plain.headers.get("content-type")).toMatch(/application\/json/);
    expect(await plain.json()).toMatchObject({ code: "validation_failed" });

    const bad = await api(`/api/v1/sessions/${sessionId}/live?hz=0&channels=speed,warp`, {
      headers: { Upgrade: "websocket" },
    });
    expect(bad.status).toBe(400);
    const body = await bad.json<{ details: { path: string }[] }>();
    expect(body.details.map((d) => d.path).sort()).toEqual(["channels", "hz"]);
  });

  it("requires a read token when one is configured, by subprotocol or header, never in the URL", async () => {
    const sessionId = uniqueId("live");
    await openSession(sessionId);
    const app = createApp();
    const withToken = { ...env, READ_TOKEN: TEST_TOKENS.read } as Env;
    const call = (query: string, headers: Record<string, string> = {}) =>
      app.fetch(liveRequest(sessionId, query, headers), withToken, createExecutionContext());

    const missing = await call("");
    expect(missing.status).toBe(401);
    expect(missing.headers.get("content-type")).toMatch(/application\/json/);
    expect(await missing.json()).toMatchObject({ code: "unauthorized" });
    expect((await call("", { "Sec-WebSocket-Protocol": "bearer, nope" })).status).toBe(401);
    // A token in the query string would end up in logs and browser history: not accepted.
    expect((await call(`?token=${TEST_TOKENS.read}`)).status).toBe(401);

    const byProtocol = await call("", { "Sec-WebSocket-Protocol": `bearer, ${TEST_TOKENS.read}` });
    expect(byProtocol.status).toBe(101);
    // The chosen subprotocol is echoed (never the token), as browsers require.
    expect(byProtocol.headers.get("Sec-WebSocket-Protocol")).toBe("bearer");
    const client = new LiveClient(byProtocol.webSocket as WebSocket, true);
    open.push(client);
    expect((await client.next()).type).toBe("snapshot");

    // Any token that may read will do, as on every read.
    const byHeader = await call("", { Authorization: `Bearer ${TEST_TOKENS.ingest}` });
    expect(byHeader.status).toBe(101);
    open.push(new LiveClient(byHeader.webSocket as WebSocket, true));

    // Without a configured read token, reads are open.
    const openRes = await app.fetch(liveRequest(sessionId), env, createExecutionContext());
    expect(openRes.status).toBe(101);
    open.push(new LiveClient(openRes.webSocket as WebSocket, true));
  });

  it("drops a subscriber that does not keep up, without slowing or failing ingest", async () => {
    const sessionId = uniqueId("live");
    await send(sessionId, series(T0, 60));
    await setLimits(sessionId, { maxUnackedBytes: 40_000 });
    const steady = await connect(sessionId, "", true);
    const stalled = await connect(sessionId, "", false);
    await Promise.all([steady.next(), stalled.next()]);

    const started = performance.now();
    for (let i = 1; i <= 12; i++) await send(sessionId, series(T0 + i * 1000, 60));
    const elapsed = performance.now() - started;

    expect(await stalled.closed).toEqual({
      code: 4008,
      reason: "too slow: acknowledge messages with {type:ack,seq}",
    });
    const got = await steady.take(12);
    expect(got.map((m) => m.seq)).toEqual([2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13]);
    expect(stalled.received.length).toBeLessThan(12);
    expect(elapsed).toBeLessThan(10_000);
  });

  it("refuses a subscriber beyond the bound with a clear error and close code 1013", async () => {
    const sessionId = uniqueId("live");
    await send(sessionId, series(T0, 10));
    await setLimits(sessionId, { maxSubscribers: 2 });
    await connect(sessionId);
    await connect(sessionId);
    const third = await connect(sessionId);
    expect(await third.next()).toMatchObject({ type: "error", code: "too_many_subscribers" });
    expect(await third.closed).toMatchObject({ code: 1013 });
  });

  it("keeps sockets and their options through hibernation, and the sequence goes on", async () => {
    const sessionId = uniqueId("live");
    await send(sessionId, series(T0, 60));
    const client = await connect(sessionId, "?hz=5&channels=speed");
    const snap = await client.next();
    expect(snap.seq).toBe(1);

    await evictDurableObject(sessionStub(env, sessionId)); // the socket hibernates
    await send(sessionId, series(T0 + 1000, 60)); // wakes a new instance

    // The new instance numbers on from a fresh block: later, never again the same numbers.
    const msg = await client.next();
    expect(msg.type).toBe("samples");
    expect(msg.seq).toBeGreaterThan(snap.seq);
    expect(Object.keys(msg.samples as Columns)).toEqual(["ts", "speed"]);
    expect((msg.samples as Columns).ts).toHaveLength(5);
    // Acknowledgements and keep-alives work on the woken socket too.
    client.ws.send("ping");
    expect((await client.next()).type).toBe("pong");
    await send(sessionId, series(T0 + 2000, 60));
    expect(await client.next()).toMatchObject({ type: "samples", seq: msg.seq + 1 });
  });
});
