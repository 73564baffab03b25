import { z } from "zod";
import type { LapEvent } from "../domain/laps";
import { short32 } from "../schemas/float32";
import { PACKED_OFFSET, PACKED_WIDTH } from "../schemas/packed";
import { CHANNEL_KINDS, CHANNEL_NAMES, type ChannelName, SeriesId } from "../schemas/telemetry";
import type { DriverHot } from "./hot-state";
import type { LapView, SessionSummary } from "./types";

/**
 * Live subscribers of one session (`GET /sessions/{id}/live`), served by its `SessionDO` through
 * the WebSocket Hibernation API. The object calls `publish` right after each write reaches its
 * hot state; this module numbers the messages, keeps a bounded replay log, and fans them out
 * without ever awaiting a socket. The protocol is described in docs/ARCHITECTURE.md ("Live").
 */

/** Bounds of the fan-out; tests shrink them through `SessionDO.live.limits`. */
export interface LiveLimits {
  /** Open sockets per session; one more is told so and closed (1013). */
  maxSubscribers: number;
  /** Bytes sent to a socket and not yet acknowledged before it is dropped (4008). */
  maxUnackedBytes: number;
  /** Bytes queued in the runtime's send buffer, where the runtime reports `bufferedAmount`. */
  maxBufferedBytes: number;
  /** Messages kept for resuming (`?since=`), besides the hot window's age bound. */
  logMessages: number;
  /** Bytes of packed samples those messages may hold (a 64-car session's minute is 42 MB). */
  logBytes: number;
}

export const DEFAULT_LIVE_LIMITS: LiveLimits = {
  maxSubscribers: 64,
  maxUnackedBytes: 2 * 1024 * 1024,
  maxBufferedBytes: 1024 * 1024,
  logMessages: 4096,
  logBytes: 16 * 1024 * 1024,
};

/** Close codes the server uses. */
export const CLOSE = { tryAgainLater: 1013, tooSlow: 4008 } as const;

/** The subprotocol that carries the read token (`Sec-WebSocket-Protocol: bearer, <token>`). */
export const BEARER_PROTOCOL = "bearer";

const MAX_DRIVER_FILTER = 16;

const list = (s: string) =>
  s
    .split(",")
    .map((v) => v.trim())
    .filter(Boolean);

/** Query parameters of the live endpoint (validated by the route, re-read by the object). */
export const LiveQuery = z.strictObject({
  since: z.coerce
    .number({ error: "must be a number" })
    .int("must be an integer")
    .min(0, "must be at least 0")
    .optional()
    .meta({ description: "Last sequence number seen: resume instead of a snapshot" }),
  hz: z.coerce
    .number({ error: "must be a number" })
    .positive("must be greater than 0")
    .max(1000, "must be at most 1000")
    .optional()
    .meta({ description: "At most this many samples per second per driver" }),
  channels: z
    .string()
    .transform((s, ctx) => {
      const names = [...new Set(list(s))];
      const unknown = names.filter((n) => !(CHANNEL_NAMES as string[]).includes(n));
      if (unknown.length > 0) {
        ctx.addIssue({ code: "custom", message: `has unknown channels: ${unknown.join(", ")}` });
        return z.NEVER;
      }
      return names as ChannelName[];
    })
    .optional()
    .meta({ description: "Comma-separated channels (default: all); ts is always sent" }),
  drivers: z
    .string()
    .transform(list)
    .pipe(
      z
        .array(SeriesId)
        .max(MAX_DRIVER_FILTER, `must name at most ${MAX_DRIVER_FILTER} drivers`)
        .min(1, "must name a driver"),
    )
    .optional()
    .meta({ description: "Comma-separated driver ids (default: every driver)" }),
  window: z.coerce
    .number({ error: "must be a number" })
    .min(0, "must be at least 0")
    .max(3600, "must be at most 3600")
    .default(10)
    .meta({ description: "Seconds of recent samples per driver in the snapshot (default 10)" }),
});
export type LiveQuery = z.infer<typeof LiveQuery>;

/** One subscriber's choices; kept in the socket's attachment so they survive hibernation. */
export interface LiveOptions {
  /** 0: every sample. */
  hz: number;
  /** Indices into CHANNEL_NAMES, in the order asked for. */
  channels: number[];
  /** null: every driver. */
  drivers: string[] | null;
  windowMs: number;
}

/** Columnar samples: `ts` (epoch ms) and one array per selected channel. */
export type Columns = Record<string, (number | null)[]>;

/** What the object holds when a subscriber joins. */
export interface LiveState {
  summary: SessionSummary | null;
  laps: LapView[];
  drivers: DriverHot[];
}

type LogEntry =
  | {
      seq: number;
      kind: "samples";
      driverId: string;
      carName: string;
      /** Packed (schemas/packed.ts): a minute of entries holds no sample objects. */
      samples: Float64Array;
      /** Timestamp of the driver's sample before these (decimation boundary), if known. */
      prevTs: number | null;
      /** Newest sample time, for the age bound of the log. */
      newest: number;
    }
  | {
      seq: number;
      kind: "lap";
      driverId: string;
      event: LapEvent["type"];
      lap: LapView;
      newest: number;
    };

/** Flow control of one socket: what was sent since the last acknowledgement. */
interface Subscriber {
  options: LiveOptions;
  /** Serialisation cache key: subscribers with equal keys receive identical text. */
  key: string;
  pending: { seq: number; bytes: number }[];
  unacked: number;
}

const SEQ_KEY = "live:seq";
/**
 * Sequence numbers are reserved in blocks: storage holds the end of the current block, so a
 * write costs one stored row per block, and a new instance starts after the last block.
 */
const SEQ_BLOCK = 1000;

/** The live fan-out of one session object. */
export class LiveHub {
  readonly limits: LiveLimits = { ...DEFAULT_LIVE_LIMITS };
  #ctx: DurableObjectState;
  #windowMs: number;
  #seq: number | undefined;
  #reserved = 0;
  #log: LogEntry[] = [];
  /** Bytes of packed samples the log holds. */
  #logBytes = 0;
  /** Newest timestamp published per driver: where the next batch's decimation starts. */
  #lastTs = new Map<string, number>();
  /** Rebuilt lazily from attachments after the object wakes from hibernation. */
  #subs = new WeakMap<WebSocket, Subscriber>();

  constructor(ctx: DurableObjectState, windowMs: number) {
    this.#ctx = ctx;
    this.#windowMs = windowMs;
    // Keep-alives are answered by the runtime without waking the object.
    ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair("ping", "pong"));
  }

  /** The last sequence number handed out; it keeps rising across evictions and hibernation. */
  get seq(): number {
    if (this.#seq === undefined) {
      this.#reserved = this.#ctx.storage.kv.get<number>(SEQ_KEY) ?? 0;
      this.#seq = this.#reserved;
    }
    return this.#seq;
  }

  /** Open subscribers. */
  get subscribers(): number {
    return this.#ctx.getWebSockets().length;
  }

  /**
   * Accepts a live request (already authorised by the Worker): a snapshot on join, or the
   * messages missed since `?since=`, or a resync followed by a snapshot.
   */
  accept(request: Request, state: LiveState): Response {
    const parsed = LiveQuery.safeParse(Object.fromEntries(new URL(request.url).searchParams));
    if (!parsed.success) return new Response("Invalid live query", { status: 400 });
    const pair = new WebSocketPair();
    const [client, server] = [pair[0], pair[1]];
    const offered = list(request.headers.get("Sec-WebSocket-Protocol") ?? "");
    const headers: Record<string, string> = offered.includes(BEARER_PROTOCOL)
      ? { "Sec-WebSocket-Protocol": BEARER_PROTOCOL }
      : {};
    const response = new Response(null, { status: 101, webSocket: client, headers });

    if (this.subscribers >= this.limits.maxSubscribers) {
      // Not a hibernatable socket: it only carries the refusal.
      server.accept();
      server.send(
        JSON.stringify({
          type: "error",
          code: "too_many_subscribers",
          message: `This session already has ${this.limits.maxSubscribers} live subscribers`,
        }),
      );
      server.close(CLOSE.tryAgainLater, "too many subscribers");
      return response;
    }

    const options = optionsOf(parsed.data, this.#windowMs);
    this.#ctx.acceptWebSocket(server);
    server.serializeAttachment(options);
    const sub = subscriberOf(options);
    this.#subs.set(server, sub);
    this.#greet(server, sub, parsed.data.since, state);
    return response;
  }

  /** Publishes one driver's newly stored samples and lap events. Never awaits. */
  publish(hot: DriverHot, samples: Float64Array, events: readonly LapEvent[]): void {
    if (samples.length > 0) {
      const prevTs = this.#lastTs.get(hot.driverId) ?? null;
      let newest = prevTs ?? Number.NEGATIVE_INFINITY;
      for (let o = 0; o < samples.length; o += PACKED_WIDTH) {
        newest = Math.max(newest, samples[o] as number);
      }
      this.#lastTs.set(hot.driverId, newest);
      this.#emit({
        seq: this.#nextSeq(),
        kind: "samples",
        driverId: hot.driverId,
        carName: hot.carName,
        samples,
        prevTs,
        newest,
      });
    }
    if (events.length === 0) return;
    const views = new Map(hot.lapViews().map((v) => [v.lap, v]));
    for (const e of events) {
      const lap = views.get(e.lap.lap);
      if (!lap) continue;
      const newest = hot.lastTs ?? e.lap.endTs;
      const seq = this.#nextSeq();
      this.#emit({ seq, kind: "lap", driverId: hot.driverId, event: e.type, lap, newest });
    }
  }

  /** A client message: `{"type":"ack","seq":n}` releases the socket's send budget. */
  message(ws: WebSocket, data: string | ArrayBuffer): void {
    const sub = this.#subscriber(ws);
    let msg: unknown;
    try {
      msg = typeof data === "string" ? JSON.parse(data) : undefined;
    } catch {
      msg = undefined;
    }
    const ack = msg as { type?: unknown; seq?: unknown } | undefined;
    if (sub && ack?.type === "ack" && typeof ack.seq === "number") {
      acknowledge(sub, ack.seq);
      return;
    }
    trySend(ws, errorText("bad_message", 'Expected {"type":"ack","seq":<number>} or "ping"'));
  }

  /** The client closed (or the connection failed): complete the close handshake. */
  close(ws: WebSocket, code: number, reason: string): void {
    this.#subs.delete(ws);
    try {
      ws.close(code, reason);
    } catch {
      try {
        ws.close(1000, "closed"); // codes a server may not send (1005, 1006, ...)
      } catch {
        // Already closed.
      }
    }
  }

  // --- internals ----------------------------------------------------------------------------

  #nextSeq(): number {
    const seq = this.seq + 1;
    this.#seq = seq;
    if (seq > this.#reserved) {
      this.#reserved = seq + SEQ_BLOCK - 1;
      this.#ctx.storage.kv.put(SEQ_KEY, this.#reserved);
    }
    return seq;
  }

  #emit(entry: LogEntry): void {
    this.#remember(entry);
    const sockets = this.#ctx.getWebSockets();
    if (sockets.length === 0) return;
    // Subscribers with the same decimation and channels share one serialisation.
    const texts = new Map<string, string | null>();
    for (const ws of sockets) {
      if (ws.readyState !== WebSocket.OPEN) continue;
      const sub = this.#subscriber(ws);
      if (!sub || !wants(sub.options, entry.driverId)) continue;
      let text = texts.get(sub.key);
      if (text === undefined) {
        text = encodeEntry(entry, sub.options);
        texts.set(sub.key, text);
      }
      if (text !== null) this.#send(ws, sub, entry.seq, text);
    }
  }

  /** Keeps the log within its message count, its bytes and the hot window of sample time. */
  #remember(entry: LogEntry): void {
    this.#log.push(entry);
    this.#logBytes += bytesOf(entry);
    const cutoff = entry.newest - this.#windowMs;
    let drop = Math.max(0, this.#log.length - this.limits.logMessages);
    let bytes = this.#logBytes;
    for (let i = 0; i < drop; i++) bytes -= bytesOf(this.#log[i] as LogEntry);
    while (drop < this.#log.length) {
      const oldest = this.#log[drop] as LogEntry;
      if (oldest.newest >= cutoff && bytes <= this.limits.logBytes) break;
      bytes -= bytesOf(oldest);
      drop++;
    }
    if (drop > 0) {
      this.#log.splice(0, drop);
      this.#logBytes = bytes;
    }
  }

  #greet(ws: WebSocket, sub: Subscriber, since: number | undefined, state: LiveState): void {
    const seq = this.seq;
    if (since !== undefined) {
      const oldest = this.#log[0]?.seq ?? seq + 1;
      if (since === seq) return;
      if (since < seq && since + 1 >= oldest) {
        for (const entry of this.#log) {
          if (entry.seq <= since || !wants(sub.options, entry.driverId)) continue;
          const text = encodeEntry(entry, sub.options);
          // The log is bounded, so the replay is too: it is not held to the send budget.
          if (text !== null) this.#send(ws, sub, entry.seq, text, true);
        }
        return;
      }
      const reason =
        since > seq
          ? `since=${since} is ahead of this session's last message (${seq})`
          : `since=${since} is older than the replay log (it starts after ${oldest - 1})`;
      this.#send(ws, sub, seq, JSON.stringify({ type: "resync", seq, reason }), true);
    }
    this.#send(ws, sub, seq, snapshotText(seq, state, sub.options), true);
  }

  /** Sends within the socket's budget, or drops the socket: ingest never waits for a reader. */
  #send(ws: WebSocket, sub: Subscriber, seq: number, text: string, greeting = false): void {
    const buffered = (ws as { bufferedAmount?: unknown }).bufferedAmount;
    const backlog = typeof buffered === "number" ? buffered : 0;
    if (
      !greeting &&
      (sub.unacked + text.length > this.limits.maxUnackedBytes ||
        backlog > this.limits.maxBufferedBytes)
    ) {
      this.#subs.delete(ws);
      try {
        ws.close(CLOSE.tooSlow, "too slow: acknowledge messages with {type:ack,seq}");
      } catch {
        // Already closing.
      }
      return;
    }
    if (!trySend(ws, text)) return;
    sub.pending.push({ seq, bytes: text.length });
    sub.unacked += text.length;
  }

  #subscriber(ws: WebSocket): Subscriber | undefined {
    let sub = this.#subs.get(ws);
    if (!sub) {
      const options = ws.deserializeAttachment() as LiveOptions | null;
      if (!options) return undefined;
      sub = subscriberOf(options);
      this.#subs.set(ws, sub);
    }
    return sub;
  }
}

/** The session id of a live request (`/api/v1/sessions/{id}/live` with an upgrade), or null. */
export function liveSessionId(request: Request): string | null {
  if (request.headers.get("Upgrade")?.toLowerCase() !== "websocket") return null;
  const match = /^\/api\/v1\/sessions\/([^/]+)\/live$/.exec(new URL(request.url).pathname);
  const id = match ? decodeURIComponent(match[1] as string) : null;
  return id !== null && SeriesId.safeParse(id).success ? id : null;
}

function optionsOf(q: LiveQuery, hotWindowMs: number): LiveOptions {
  const names = q.channels ?? CHANNEL_NAMES;
  return {
    hz: q.hz ?? 0,
    channels: names.map((n) => CHANNEL_NAMES.indexOf(n)),
    drivers: q.drivers ?? null,
    windowMs: Math.min(q.window * 1000, hotWindowMs),
  };
}

function subscriberOf(options: LiveOptions): Subscriber {
  return { options, key: `${options.hz}|${options.channels.join(",")}`, pending: [], unacked: 0 };
}

function acknowledge(sub: Subscriber, seq: number): void {
  while (sub.pending.length > 0 && (sub.pending[0] as { seq: number }).seq <= seq) {
    sub.unacked -= (sub.pending.shift() as { bytes: number }).bytes;
  }
}

function wants(options: LiveOptions, driverId: string): boolean {
  return options.drivers === null || options.drivers.includes(driverId);
}

function trySend(ws: WebSocket, text: string): boolean {
  try {
    ws.send(text);
    return true;
  } catch {
    return false; // closed meanwhile
  }
}

function bytesOf(entry: LogEntry): number {
  return entry.kind === "samples" ? entry.samples.byteLength : 0;
}

function errorText(code: string, message: string): string {
  return JSON.stringify({ type: "error", code, message });
}

/** The wire text of a log entry for these options, or null when nothing of it is selected. */
function encodeEntry(entry: LogEntry, options: LiveOptions): string | null {
  if (entry.kind === "lap") {
    return JSON.stringify({ type: "lap", seq: entry.seq, event: entry.event, lap: entry.lap });
  }
  const samples = columns(entry.samples, entry.prevTs, options);
  if (!samples) return null;
  return JSON.stringify({
    type: "samples",
    seq: entry.seq,
    driver_id: entry.driverId,
    car_name: entry.carName,
    samples,
  });
}

function snapshotText(seq: number, state: LiveState, options: LiveOptions): string {
  const drivers = state.drivers
    .filter((d) => wants(options, d.driverId))
    .sort((a, b) => a.driverId.localeCompare(b.driverId))
    .map((d) => {
      const start = d.ring.lowerBound((d.lastTs ?? 0) - options.windowMs);
      const prevTs = start > 0 ? d.ring.ts(start - 1) : null;
      const samples = columns(d.ring.rows(start), prevTs, options) ?? emptyColumns(options);
      return { driver_id: d.driverId, car_name: d.carName, samples };
    });
  const laps = options.drivers ? state.laps.filter((l) => wants(options, l.driver_id)) : state.laps;
  return JSON.stringify({
    type: "snapshot",
    seq,
    session: state.summary,
    laps,
    drivers,
    options: {
      hz: options.hz || null,
      channels: options.channels.map((i) => CHANNEL_NAMES[i]),
      window: options.windowMs / 1000,
    },
  });
}

function emptyColumns(options: LiveOptions): Columns {
  const out: Columns = { ts: [] };
  for (const i of options.channels) out[CHANNEL_NAMES[i] as string] = [];
  return out;
}

/**
 * Selected channels of the samples kept by decimation, or null when none is kept. A sample is
 * kept when it is the first of its 1/hz slot of time (by timestamp): every subscriber with the
 * same rate keeps the same samples, live and on replay, without per-socket state.
 */
function columns(rows: Float64Array, prevTs: number | null, options: LiveOptions): Columns | null {
  const out = emptyColumns(options);
  const ts = out.ts as number[];
  const names = options.channels.map((i) => CHANNEL_NAMES[i] as ChannelName);
  const offsets = names.map((name) => PACKED_OFFSET[name]);
  const lists = names.map((name) => out[name] as (number | null)[]);
  const exact = names.map((name) => CHANNEL_KINDS[name] === "int");
  const period = options.hz > 0 ? 1000 / options.hz : 0;
  let prev = prevTs;
  for (let o = 0; o < rows.length; o += PACKED_WIDTH) {
    const t = rows[o] as number;
    const keep = period === 0 || prev === null || slot(t, period) !== slot(prev, period);
    prev = t;
    if (!keep) continue;
    ts.push(t);
    for (let k = 0; k < names.length; k++) {
      const v = rows[o + (offsets[k] as number)] as number;
      // NaN is how a packed sample holds null (an absent optional value).
      (lists[k] as (number | null)[]).push(Number.isNaN(v) ? null : exact[k] ? v : short32(v));
    }
  }
  return ts.length > 0 ? out : null;
}

function slot(ts: number, period: number): number {
  return Math.floor(ts / period);
}
