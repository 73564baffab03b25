import { etag } from "hono/etag";
import { z } from "zod";
import { createRouter } from "../app";
import { limits } from "../config";
import { idsAt, prepareSamples } from "../domain/ingest";
import { parseSampleId } from "../domain/sample-id";
import { ApiError } from "../errors";
import { readIngestBody } from "../middleware/json-body";
import { parseOrThrow } from "../middleware/validate";
import { fastSample } from "../schemas/fast";
import { unpackSamples } from "../schemas/packed";
import { TelemetrySample } from "../schemas/telemetry";
import { findSession, sendIngest } from "../session/client";
import { toRecord } from "../storage/reads";
import { refusal } from "./refusal";

const SampleArray = z.array(TelemetrySample).min(1, "must hold at least one sample");

/** An array of samples: the fast path when every one passes it, else zod and its 400. */
function parseSamples(body: unknown[]) {
  const now = Date.now();
  const fast = body.map((s) => fastSample(s, now));
  return body.length > 0 && fast.every((s) => s !== undefined)
    ? fast
    : parseOrThrow(SampleArray, body);
}

/** `POST /telemetry` (one sample or an array) and `GET /telemetry/{id}`. */
export const telemetryRoutes = createRouter()
  .post("/", async (c) => {
    const { body, idempotency } = await readIngestBody(c);
    const receivedAt = Date.now();
    const isArray = Array.isArray(body);
    const max = limits(c.env).maxBatchSamples;
    if (isArray && body.length > max) {
      throw new ApiError(
        "payload_too_large",
        `A request may hold at most ${max} samples, not ${body.length}`,
      );
    }
    const samples = isArray
      ? parseSamples(body)
      : [fastSample(body) ?? parseOrThrow(TelemetrySample, body)];
    const prepared = prepareSamples(samples, receivedAt, (i) => (isArray ? String(i) : ""));
    c.set("logFields", { session_id: prepared.request.sessionId, samples: samples.length });
    const outcome = await sendIngest(c.env, { ...prepared.request, idempotency });
    if (!outcome.ok) throw refusal(outcome);
    const ids = idsAt(prepared, outcome.receivedAt);
    const answer = isArray
      ? { ids, accepted: outcome.accepted, duplicates: outcome.duplicates }
      : { id: ids[0] };
    return c.json(answer, 201);
  })
  // A stored sample never changes (it can only be deleted): revalidated, a 304 while it exists.
  .get("/:id", etag(), async (c) => {
    const id = c.req.param("id");
    const key = parseSampleId(id);
    if (!key) {
      throw new ApiError("validation_failed", "Invalid request: id is not a telemetry id", {
        details: [{ path: "id", message: "is not a telemetry id" }],
      });
    }
    const notFound = new ApiError("not_found", `Telemetry ${id} not found`);
    const session = await findSession(c.env, key.sessionId, c.var.history());
    // The session object holds what history may not have yet; else history.
    const held = session && (await session.sample(key.driverId, key.ts));
    if (!held) throw notFound;
    const s = held.sample ? unpackSamples(held.sample)[0] : await c.var.history().findSample(key);
    if (!s) throw notFound;
    return c.json(
      toRecord(s, {
        sessionId: key.sessionId,
        driverId: key.driverId,
        sessionType: held.session.sessionType,
        trackName: held.session.trackName,
        carName: held.session.cars[key.driverId] ?? "",
      }),
      200,
      { "Cache-Control": "private, no-cache" },
    );
  });
