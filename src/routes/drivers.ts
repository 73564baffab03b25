import { createRouter } from "../app";
import { ApiError } from "../errors";
import { readJsonBody } from "../middleware/json-body";
import { parseOrThrow, validate } from "../middleware/validate";
import { DeleteBody, DeleteQuery, DriverHistoryQuery, DriverIdParam } from "../schemas/query";
import { sessionStub } from "../session/client";
import { CONTENT_TYPES, columnsFor, serialise } from "./format";
import { nextLink } from "./links";
import { refusal } from "./refusal";

/** A driver's history across sessions, and its deletion by age. */
export const driverRoutes = createRouter()
  .get(
    "/:driver_id/telemetry",
    validate("param", DriverIdParam),
    validate("query", DriverHistoryQuery),
    async (c) => {
      const { driver_id } = c.req.valid("param");
      const q = c.req.valid("query");
      const page = await c.var.history().readDriverTelemetry(driver_id, {
        start: q.start_time,
        end: q.end_time,
        trackName: q.track_name,
        carName: q.car_name,
        sessionType: q.session_type,
        order: q.order,
        limit: q.limit,
        cursor: q.cursor,
      });
      return c.body(serialise(page.rows, "json", columnsFor()), 200, {
        "Content-Type": CONTENT_TYPES.json,
        ...nextLink(c.req.url, page.next),
      });
    },
  )
  .delete(
    "/:driver_id/telemetry",
    validate("param", DriverIdParam),
    validate("query", DeleteQuery),
    async (c) => {
      const { driver_id } = c.req.valid("param");
      const hasBody =
        Number(c.req.header("content-length") ?? 0) > 0 || c.req.header("transfer-encoding");
      const olderThan = hasBody
        ? parseOrThrow(DeleteBody, await readJsonBody(c)).older_than
        : c.req.valid("query").older_than;
      if (olderThan === undefined) {
        throw new ApiError("validation_failed", "Invalid request: older_than is required", {
          details: [{ path: "older_than", message: "is required (JSON body or query parameter)" }],
        });
      }
      // The directory lists every session the driver took part in (written before the ack);
      // each session's object deletes from its log and history.
      const sessionIds = await c.var.history().sessionsOfDriver(driver_id);
      let deleted = 0;
      for (const sessionId of sessionIds) {
        const outcome = await sessionStub(c.env, sessionId).deleteBefore(driver_id, olderThan);
        if (!outcome.ok) throw refusal(outcome);
        deleted += outcome.deleted;
      }
      c.set("logFields", { driver_id, deleted });
      return c.json({ deleted_count: deleted });
    },
  );
