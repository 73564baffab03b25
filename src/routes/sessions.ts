import { createRouter } from "../app";
import { limits } from "../config";
import { idsAt, prepareBatch } from "../domain/ingest";
import { ApiError } from "../errors";
import { readIngestBody } from "../middleware/json-body";
import { parseOrThrow, validate } from "../middleware/validate";
import { fastBatch, fastSessionId } from "../schemas/fast";
import {
  LapsQuery,
  SessionIdParam,
  SessionListQuery,
  SessionTelemetryQuery,
} from "../schemas/query";
import { TelemetryBatch } from "../schemas/telemetry";
import { findSession, sendIngest, tailRows } from "../session/client";
import { pageOfSorted } from "../storage/reads";
import { attachment, CONTENT_TYPES, columnsFor, negotiate, serialise } from "./format";
import {
  acceptsGzip,
  gzipTag,
  lapEtag,
  lapRows,
  lookup,
  matches,
  respond,
  sendAndKeep,
} from "./lap-cache";
import { nextLink } from "./links";
import { refusal } from "./refusal";

/** Sessions: compact-batch ingest, the list, summaries, lap tables and their telemetry. */
export const sessionRoutes = createRouter()
  // Ingest's path parameter takes the fast path the body does (zod only for the 400): the
  // validator middleware's asynchronous zod parse was a measurable share of a live request.
  .post("/:session_id/telemetry", async (c) => {
    const param = { session_id: c.req.param("session_id") };
    const { session_id } = fastSessionId(param) ?? parseOrThrow(SessionIdParam, param);
    const { body, idempotency } = await readIngestBody(c);
    const receivedAt = Date.now();
    const max = limits(c.env).maxBatchSamples;
    const count = (body as { samples?: unknown })?.samples;
    if (Array.isArray(count) && count.length > max) {
      throw new ApiError(
        "payload_too_large",
        `A batch may hold at most ${max} samples, not ${count.length}`,
      );
    }
    const batch = fastBatch(body) ?? parseOrThrow(TelemetryBatch, body);
    const prepared = prepareBatch(session_id, batch, receivedAt);
    c.set("logFields", { session_id, samples: batch.samples.length });
    const outcome = await sendIngest(c.env, { ...prepared.request, idempotency });
    if (!outcome.ok) throw refusal(outcome);
    return c.json(
      {
        ids: idsAt(prepared, outcome.receivedAt),
        accepted: outcome.accepted,
        duplicates: outcome.duplicates,
      },
      201,
    );
  })
  .get("/", validate("query", SessionListQuery), async (c) => {
    const q = c.req.valid("query");
    const page = await c.var.history().listSessions(
      {
        driverId: q.driver_id,
        trackName: q.track_name,
        carName: q.car_name,
        sessionType: q.session_type,
      },
      q.limit,
      q.cursor,
    );
    return c.json(page.items, 200, nextLink(c.req.url, page.next));
  })
  .get("/:session_id", validate("param", SessionIdParam), async (c) => {
    const { session_id } = c.req.valid("param");
    const session = await findSession(c.env, session_id, c.var.history());
    const summary = session && (await session.summary());
    if (!summary) throw notFound(session_id);
    return c.json(summary);
  })
  .get(
    "/:session_id/laps",
    validate("param", SessionIdParam),
    validate("query", LapsQuery),
    async (c) => {
      const { session_id } = c.req.valid("param");
      const { driver_id } = c.req.valid("query");
      const session = await findSession(c.env, session_id, c.var.history());
      const laps = session && (await session.laps(driver_id));
      if (!laps) throw notFound(session_id);
      return c.json(laps);
    },
  )
  .get(
    "/:session_id/telemetry",
    validate("param", SessionIdParam),
    validate("query", SessionTelemetryQuery),
    async (c) => {
      const { session_id } = c.req.valid("param");
      const q = c.req.valid("query");
      const format = q.format ?? negotiate(c);
      const session = await findSession(c.env, session_id, c.var.history());
      const read = {
        driverId: q.driver_id,
        lap: q.lap,
        start: q.start_time,
        end: q.end_time,
        order: q.order,
        limit: q.limit,
        cursor: q.cursor,
      };
      // What the session object holds that history may not have yet, and its lap's state.
      const tail = session && (await session.readTail(read));
      if (!tail) throw notFound(session_id);
      const lap = tail.lap;
      const etag =
        q.driver_id !== undefined && q.lap !== undefined && lap?.completed && lap.final
          ? lapEtag({
              sessionId: session_id,
              driverId: q.driver_id,
              lap: q.lap,
              version: lap.version,
              query: `${new URL(c.req.url).search}|${format}`,
            })
          : undefined;
      const acceptEncoding = c.req.header("accept-encoding");
      if (etag) {
        if (matches(c.req.header("if-none-match"), etag)) {
          const tag = acceptsGzip(acceptEncoding) ? gzipTag(etag) : etag;
          return c.body(null, 304, {
            ETag: tag,
            "Cache-Control": IMMUTABLE_LAP,
            Vary: "Accept, Accept-Encoding",
          });
        }
        const cached = await lookup(etag);
        if (cached) return respond(cached, acceptEncoding);
      }
      // A completed lap is read whole once and kept: any page, fields or format of it after that
      // is taken from its samples in memory.
      const whole =
        etag && lap && q.driver_id !== undefined && q.lap !== undefined
          ? await lapRows(
              { sessionId: session_id, driverId: q.driver_id, lap: q.lap, version: lap.version },
              async () => {
                const all = {
                  driverId: q.driver_id,
                  lap: q.lap,
                  order: "asc" as const,
                  limit: MAX_LAP_READ,
                };
                const page = await c.var
                  .history()
                  .readSessionTelemetry(tail.session, all, tailRows(tail));
                return page.next === null ? page.rows : undefined;
              },
            )
          : undefined;
      const page = whole
        ? pageOfSorted(whole, read)
        : await c.var.history().readSessionTelemetry(tail.session, read, tailRows(tail));
      c.set("logFields", { session_id, samples: page.rows.length });
      const headers: Record<string, string> = {
        "Content-Type": CONTENT_TYPES[format],
        ...(format === "csv"
          ? { "Content-Disposition": attachment(session_id, q.driver_id, q.lap) }
          : {}),
        ...(q.format === undefined ? { Vary: "Accept" } : {}),
        ...nextLink(c.req.url, page.next),
        // A lap in progress changes with every batch: never kept anywhere.
        "Cache-Control": etag ? IMMUTABLE_LAP : "no-store",
      };
      const text = serialise(page.rows, format, columnsFor(q.fields));
      if (!etag) return c.body(text, 200, headers);
      return sendAndKeep(etag, text, headers, acceptEncoding, (p) => c.executionCtx.waitUntil(p));
    },
  );

/** The most samples a completed lap read whole may hold (an hour-long lap at 60 Hz is 216,000). */
const MAX_LAP_READ = 100_000;

/** Completed laps: the client keeps them, revalidating with If-None-Match (a 304). */
const IMMUTABLE_LAP = "private, no-cache";

function notFound(sessionId: string): ApiError {
  return new ApiError("not_found", `Session ${sessionId} not found`);
}
