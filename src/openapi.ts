import { z } from "zod";
import { createDocument, type ZodOpenApiResponsesObject } from "zod-openapi";
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
 * The OpenAPI 3.1 document, generated (zod-openapi) from the zod schemas that validate requests
 * and shape responses: there is no second, hand-written schema to drift. A schema with an `id`
 * in its `.meta()` is one component, referenced wherever it appears.
 */

const json = (schema: z.ZodType) => ({ "application/json": { schema } });

const error = (description: string) => ({ description, content: json(ErrorBody) });
const errors = {
  "400": error("Invalid request: the body names every invalid field and its rule"),
  "401": error("Missing or unknown token"),
  "403": error("Token lacks the scope"),
  "429": error("Rate limited; see Retry-After"),
  "500": error("Internal error"),
  "503": error("Overloaded or storage unavailable; see Retry-After"),
} satisfies ZodOpenApiResponsesObject;

const sessionPath = z.object({ session_id: SeriesId });
const driverPath = z.object({ driver_id: SeriesId });
const idempotencyHeader = z.object({
  "Idempotency-Key": z.string().max(128).optional().meta({
    description:
      "A retry with the same key and the same body returns the original response (for 24 h); the same key with a different body is refused with 422 `idempotency_key_reused` and stores nothing",
  }),
});
const linkHeader = z.object({
  Link: z.string().optional().meta({
    description: 'RFC 8288 `<url>; rel="next"` when another page follows',
  }),
});
const ingestResponses = (created: z.ZodType) =>
  ({
    "201": {
      description:
        "Committed in the session's durable log: readable at once through the session's reads, in driver history and the session list within FLUSH_SECONDS (default 30) plus a few seconds",
      content: json(created),
    },
    "413": error("Body or batch too large"),
    "415": error("Content-Type is not JSON"),
    "422": error(
      "`idempotency_key_reused`: the Idempotency-Key was already used with a different request; nothing was stored",
    ),
    ...errors,
  }) satisfies ZodOpenApiResponsesObject;
const records = (description: string) => ({
  description,
  headers: linkHeader,
  content: json(z.array(TelemetryRecord)),
});

/** Builds the document served at `/api/v1/openapi.json`. */
export function openApiDocument(serverUrl?: string) {
  return createDocument({
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
            "200": { description: "Healthy", content: json(Health) },
            "503": { description: "A dependency fails", content: json(Health) },
          },
        },
      },
      "/api/v1/telemetry": {
        post: {
          summary: "Ingest one sample (201 {id}) or an array of samples (201 {ids, accepted})",
          requestParams: { header: idempotencyHeader },
          requestBody: { required: true, content: json(TelemetryPost) },
          responses: ingestResponses(z.union([IngestOne, IngestMany])),
        },
      },
      "/api/v1/ibt": {
        post: {
          summary:
            "Import an iRacing .ibt recording (201; the same file again: 200, nothing stored)",
          description:
            "The body is the file as iRacing wrote it (header versions 1 and 2), at most MAX_IBT_BYTES (default 64 MiB). Driver, track, car, session type and session come from the recording's session info unless `session_id` / `driver_id` say otherwise. Every sample is converted before anything is stored, then stored through the same session write path as live ingest (exactly once: samples the session already holds are counted in `duplicates`). A recording with several iRacing sessions becomes one API session per iRacing session (`<session_id>-s<SessionNum>` after the first). Session-scoped reads see it at once; driver history and the session list within FLUSH_SECONDS plus a few seconds.",
          requestParams: { query: IbtUploadQuery },
          requestBody: {
            required: true,
            content: {
              "application/octet-stream": {
                schema: { type: "string", contentMediaType: "application/octet-stream" },
              },
            },
          },
          responses: {
            "201": { description: "Imported", content: json(IbtImport) },
            "200": {
              description: "This file was imported before: the same body, nothing stored",
              content: json(IbtImport),
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
          summary: "One record by id (with an ETag: If-None-Match answers 304)",
          requestParams: { path: z.object({ id: z.string() }) },
          responses: {
            "200": { description: "The record", content: json(TelemetryRecord) },
            "304": { description: "Not modified" },
            "404": error("No such record"),
            ...errors,
          },
        },
      },
      "/api/v1/sessions": {
        get: {
          summary: "Recent sessions, newest first",
          requestParams: { query: SessionListQuery },
          responses: {
            "200": {
              description: "A page of sessions",
              headers: linkHeader,
              content: json(z.array(SessionListItem)),
            },
            ...errors,
          },
        },
      },
      "/api/v1/sessions/{session_id}": {
        get: {
          summary: "Session summary (hot state merged with history)",
          requestParams: { path: sessionPath },
          responses: {
            "200": { description: "The summary", content: json(SessionSummary) },
            "404": error("No such session"),
            ...errors,
          },
        },
      },
      "/api/v1/sessions/{session_id}/laps": {
        get: {
          summary: "The lap table",
          requestParams: { path: sessionPath, query: LapsQuery },
          responses: {
            "200": { description: "Laps per driver", content: json(z.array(LapView)) },
            "404": error("No such session"),
            ...errors,
          },
        },
      },
      "/api/v1/sessions/{session_id}/telemetry": {
        post: {
          summary: "Ingest a compact batch: session metadata once, then samples",
          requestParams: { path: sessionPath, header: idempotencyHeader },
          requestBody: { required: true, content: json(TelemetryBatch) },
          responses: ingestResponses(IngestMany),
        },
        get: {
          summary:
            "The session's samples, ordered by timestamp (JSON, NDJSON or CSV by ?format= or Accept)",
          requestParams: { path: sessionPath, query: SessionTelemetryQuery },
          responses: {
            "200": {
              ...records("A page of records"),
              content: {
                ...json(z.array(TelemetryRecord)),
                "application/x-ndjson": { schema: { type: "string" } },
                "text/csv": { schema: { type: "string" } },
              },
            },
            "304": { description: "A completed lap not modified (If-None-Match)" },
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
          requestParams: { path: sessionPath, query: LiveQuery },
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
          requestParams: { path: driverPath, query: DriverHistoryQuery },
          responses: { "200": records("A page of records"), ...errors },
        },
        delete: {
          summary: "Delete the driver's samples with timestamp < older_than (body or query)",
          requestParams: { path: driverPath, query: DeleteQuery },
          requestBody: { required: false, content: json(DeleteBody) },
          responses: { "200": { description: "Deleted", content: json(Deleted) }, ...errors },
        },
      },
      "/api/v1/racing/tracks": {
        get: {
          summary: "Every track seen in stored telemetry (with an ETag)",
          responses: { "200": { description: "Sorted names", content: json(Tracks) } },
        },
      },
      "/api/v1/racing/cars": {
        get: {
          summary: "Every car seen in stored telemetry (with an ETag)",
          responses: { "200": { description: "Sorted names", content: json(Cars) } },
        },
      },
    },
  });
}
