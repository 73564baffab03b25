import { type ZodType, z } from "zod";
import {
  DeleteBody,
  DeleteQuery,
  DriverHistoryQuery,
  IbtUploadQuery,
  LapsQuery,
  SessionListQuery,
  SessionTelemetryQuery,
} from "./schemas/query";
import {
  Cars,
  Deleted,
  ErrorBody,
  Health,
  IbtImport,
  IngestMany,
  IngestOne,
  LapView,
  SessionListItem,
  SessionSummary,
  Tracks,
} from "./schemas/responses";
import { SeriesId, TelemetryBatch, TelemetryPost, TelemetryRecord } from "./schemas/telemetry";
import { LiveQuery } from "./session/live";
import { VERSION } from "./version";

/**
 * The OpenAPI 3.1 document, generated from the zod schemas that validate requests and shape
 * responses: there is no second, hand-written schema to drift.
 */

type Io = "input" | "output";
const json = (schema: ZodType, io: Io) =>
  z.toJSONSchema(schema, { target: "draft-2020-12", io, unrepresentable: "any" }) as Record<
    string,
    unknown
  >;

const content = (schema: ZodType, io: Io = "output") => ({
  "application/json": { schema: json(schema, io) },
});

const error = (description: string) => ({ description, content: content(ErrorBody) });
const errors = {
  "400": error("Invalid request: the body names every invalid field and its rule"),
  "401": error("Missing or unknown token"),
  "403": error("Token lacks the scope"),
  "429": error("Rate limited; see Retry-After"),
  "500": error("Internal error"),
  "503": error("Storage unavailable"),
};

/** Query (or path) parameters from the shape of a zod object. */
function parameters(schema: z.ZodObject, where: "query" | "path") {
  return Object.entries(schema.shape).map(([name, field]) => {
    const s = json(field as ZodType, "input");
    return {
      name,
      in: where,
      required: where === "path" || !(field as ZodType).safeParse(undefined).success,
      description: typeof s.description === "string" ? s.description : undefined,
      schema: s,
    };
  });
}

const sessionPath = parameters(z.object({ session_id: SeriesId }), "path");
const driverPath = parameters(z.object({ driver_id: SeriesId }), "path");
const linkHeader = {
  Link: {
    description: 'RFC 8288 `<url>; rel="next"` when another page follows',
    schema: { type: "string" },
  },
};
const ingestResponses = (created: ZodType) => ({
  "201": {
    description:
      "Committed in the session's durable log: readable at once through the session's reads, in driver history and the session list within FLUSH_SECONDS (default 30) plus a few seconds",
    content: content(created),
  },
  "413": error("Body or batch too large"),
  "415": error("Content-Type is not JSON"),
  "422": error(
    "`idempotency_key_reused`: the Idempotency-Key was already used with a different request; nothing was stored",
  ),
  ...errors,
});

/** Builds the document served at `/api/v1/openapi.json`. */
export function openApiDocument(serverUrl?: string) {
  return {
    openapi: "3.1.0",
    info: {
      title: "Rustegrate telemetry API",
      version: VERSION,
      description:
        "iRacing telemetry ingestion and query. Snake_case JSON compatible with the original Rust service.",
    },
    ...(serverUrl ? { servers: [{ url: serverUrl }] } : {}),
    components: {
      securitySchemes: { bearer: { type: "http", scheme: "bearer" } },
    },
    security: [{ bearer: [] }],
    paths: {
      "/api/v1/health": {
        get: {
          summary: "Service and D1 health",
          security: [],
          responses: {
            "200": { description: "Healthy", content: content(Health) },
            "503": { description: "A dependency fails", content: content(Health) },
          },
        },
      },
      "/api/v1/telemetry": {
        post: {
          summary: "Ingest one sample (201 {id}) or an array of samples (201 {ids, accepted})",
          parameters: [idempotencyHeader],
          requestBody: { required: true, content: content(TelemetryPost, "input") },
          responses: ingestResponses(z.union([IngestOne, IngestMany])),
        },
      },
      "/api/v1/ibt": {
        post: {
          summary:
            "Import an iRacing .ibt recording (201; the same file again: 200, nothing stored)",
          description:
            "The body is the file as iRacing wrote it (header versions 1 and 2), at most MAX_IBT_BYTES (default 64 MiB). Driver, track, car, session type and session come from the recording's session info unless `session_id` / `driver_id` say otherwise. Every sample is converted before anything is stored, then stored through the same session write path as live ingest (exactly once: samples the session already holds are counted in `duplicates`). A recording with several iRacing sessions becomes one API session per iRacing session (`<session_id>-s<SessionNum>` after the first). Session-scoped reads see it at once; driver history and the session list within FLUSH_SECONDS plus a few seconds.",
          parameters: parameters(IbtUploadQuery, "query"),
          requestBody: {
            required: true,
            content: {
              "application/octet-stream": {
                schema: { type: "string", contentMediaType: "application/octet-stream" },
              },
            },
          },
          responses: {
            "201": { description: "Imported", content: content(IbtImport) },
            "200": {
              description: "This file was imported before: the same body, nothing stored",
              content: content(IbtImport),
            },
            "413": error("Larger than MAX_IBT_BYTES"),
            "415": error("Content-Type is not application/octet-stream"),
            "422": error(
              "`invalid_ibt`: the file cannot be read (what is wrong, and at which offset); nothing was stored",
            ),
            ...errors,
          },
        },
      },
      "/api/v1/telemetry/{id}": {
        get: {
          summary: "One record by id",
          parameters: [{ name: "id", in: "path", required: true, schema: { type: "string" } }],
          responses: {
            "200": { description: "The record", content: content(TelemetryRecord) },
            "404": error("No such record"),
            ...errors,
          },
        },
      },
      "/api/v1/sessions": {
        get: {
          summary: "Recent sessions, newest first",
          parameters: parameters(SessionListQuery, "query"),
          responses: {
            "200": {
              description: "A page of sessions",
              headers: linkHeader,
              content: content(z.array(SessionListItem)),
            },
            ...errors,
          },
        },
      },
      "/api/v1/sessions/{session_id}": {
        get: {
          summary: "Session summary (hot state merged with history)",
          parameters: sessionPath,
          responses: {
            "200": { description: "The summary", content: content(SessionSummary) },
            "404": error("No such session"),
            ...errors,
          },
        },
      },
      "/api/v1/sessions/{session_id}/laps": {
        get: {
          summary: "The lap table",
          parameters: [...sessionPath, ...parameters(LapsQuery, "query")],
          responses: {
            "200": { description: "Laps per driver", content: content(z.array(LapView)) },
            "404": error("No such session"),
            ...errors,
          },
        },
      },
      "/api/v1/sessions/{session_id}/telemetry": {
        post: {
          summary: "Ingest a compact batch: session metadata once, then samples",
          parameters: [...sessionPath, idempotencyHeader],
          requestBody: { required: true, content: content(TelemetryBatch, "input") },
          responses: ingestResponses(IngestMany),
        },
        get: {
          summary: "The session's samples, ordered by timestamp (JSON, NDJSON or CSV)",
          parameters: [...sessionPath, ...parameters(SessionTelemetryQuery, "query")],
          responses: {
            "200": {
              description: "A page of records",
              headers: linkHeader,
              content: {
                ...content(z.array(TelemetryRecord)),
                "application/x-ndjson": { schema: { type: "string" } },
                "text/csv": { schema: { type: "string" } },
              },
            },
            "404": error("No such session"),
            ...errors,
          },
        },
      },
      "/api/v1/sessions/{session_id}/live": {
        get: {
          summary: "Live telemetry over a WebSocket (send Upgrade: websocket)",
          description:
            "On join a snapshot of the recent samples and laps, then every stored batch and lap as JSON messages with sequence numbers; `since` resumes after a reconnect. The read token (when one is configured) goes in `Authorization: Bearer <token>` or, from a browser (which cannot set headers on a WebSocket), as the subprotocols `bearer, <token>`; never in the URL. Reads are authenticated the same way whether or not they are upgrades. A session past its subscriber limit closes the socket with 1013 (try again later). Protocol: docs/ARCHITECTURE.md, Live.",
          parameters: [...sessionPath, ...parameters(LiveQuery, "query")],
          responses: {
            "101": { description: "Switching protocols: the socket is open" },
            "400": error("Not a WebSocket upgrade, or an invalid option"),
            "401": error("Missing or unknown read token"),
            "404": error("No such session (nothing is created)"),
            "429": error("Rate limited; see Retry-After"),
          },
        },
      },
      "/api/v1/drivers/{driver_id}/telemetry": {
        get: {
          summary: "A driver's history across sessions",
          parameters: [...driverPath, ...parameters(DriverHistoryQuery, "query")],
          responses: {
            "200": {
              description: "A page of records",
              headers: linkHeader,
              content: content(z.array(TelemetryRecord)),
            },
            ...errors,
          },
        },
        delete: {
          summary: "Delete the driver's samples with timestamp < older_than (body or query)",
          parameters: [...driverPath, ...parameters(DeleteQuery, "query")],
          requestBody: { required: false, content: content(DeleteBody, "input") },
          responses: { "200": { description: "Deleted", content: content(Deleted) }, ...errors },
        },
      },
      "/api/v1/racing/tracks": {
        get: {
          summary: "Every track seen in stored telemetry",
          responses: { "200": { description: "Sorted names", content: content(Tracks) } },
        },
      },
      "/api/v1/racing/cars": {
        get: {
          summary: "Every car seen in stored telemetry",
          responses: { "200": { description: "Sorted names", content: content(Cars) } },
        },
      },
    },
  };
}

const idempotencyHeader = {
  name: "Idempotency-Key",
  in: "header",
  required: false,
  description:
    "A retry with the same key and the same body returns the original response (for 24 h); the same key with a different body is refused with 422 `idempotency_key_reused` and stores nothing",
  schema: { type: "string", maxLength: 128 },
};
