import { createRouter } from "../app";
import { limits } from "../config";
import { createDb } from "../db/client";
import { costHeaders, ingest, prepareBatch } from "../domain/ingest";
import { ApiError } from "../errors";
import { readIngestBody } from "../middleware/json-body";
import { parseOrThrow, validate } from "../middleware/validate";
import { fastBatch } from "../schemas/fast";
import {
  LapsQuery,
  SessionIdParam,
  SessionListQuery,
  SessionTelemetryQuery,
} from "../schemas/query";
import { TelemetryBatch } from "../schemas/telemetry";
import { findSession } from "../session/client";
import { listSessions, readSessionTelemetry } from "../storage/queries";
import { CONTENT_TYPES, columnsFor, serialise } from "./format";
import { nextLink } from "./links";

/** Sessions: compact-batch ingest, the list, summaries, lap tables and their telemetry. */
export const sessionRoutes = createRouter()
  .post("/:session_id/telemetry", validate("param", SessionIdParam), async (c) => {
    const { session_id } = c.req.valid("param");
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
    const result = await ingest(c.env, prepared, idempotency);
    const payload = { ids: result.ids, accepted: result.accepted, duplicates: result.duplicates };
    return result.queued
      ? c.json({ queued: true, ...payload }, 202)
      : c.json(payload, 201, costHeaders(result));
  })
  .get("/", validate("query", SessionListQuery), async (c) => {
    const q = c.req.valid("query");
    const page = await listSessions(
      createDb(c.env.DB),
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
    const session = await findSession(c.env, session_id);
    const summary = session && (await session.summary(session_id));
    if (!summary) throw new ApiError("not_found", `Session ${session_id} not found`);
    return c.json(summary);
  })
  .get(
    "/:session_id/laps",
    validate("param", SessionIdParam),
    validate("query", LapsQuery),
    async (c) => {
      const { session_id } = c.req.valid("param");
      const { driver_id } = c.req.valid("query");
      const session = await findSession(c.env, session_id);
      const laps = session && (await session.laps(session_id, driver_id));
      if (!laps) throw new ApiError("not_found", `Session ${session_id} not found`);
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
      const page = await readSessionTelemetry(createDb(c.env.DB), session_id, {
        driverId: q.driver_id,
        lap: q.lap,
        start: q.start_time,
        end: q.end_time,
        order: q.order,
        limit: q.limit,
        cursor: q.cursor,
      });
      if (!page) throw new ApiError("not_found", `Session ${session_id} not found`);
      c.set("logFields", { session_id, samples: page.rows.length });
      return c.body(serialise(page.rows, q.format, columnsFor(q.fields)), 200, {
        "Content-Type": CONTENT_TYPES[q.format],
        ...nextLink(c.req.url, page.next),
      });
    },
  );
