import { z } from "zod";
import { decodeCursor } from "../domain/cursor";
import { CarName, CHANNEL_NAMES, Rfc3339, SeriesId, SessionType, TrackName } from "./telemetry";

/** Query parameters of the read endpoints (DESIGN §3). Transport-free, like the wire model. */

export const DEFAULT_LIMIT = 100;
export const MAX_LIMIT = 10_000;

const limit = z.coerce
  .number({ error: "must be a number" })
  .int("must be an integer")
  .min(1, "must be at least 1")
  .max(MAX_LIMIT, `must be at most ${MAX_LIMIT}`)
  .default(DEFAULT_LIMIT)
  .meta({ description: `Page size (default ${DEFAULT_LIMIT}, at most ${MAX_LIMIT})` });

const cursor = z
  .string()
  .max(512, "must be at most 512 characters")
  .regex(/^[A-Za-z0-9_-]+$/, "must be a cursor from a Link header")
  .transform((s, ctx) => {
    const position = decodeCursor(s);
    if (!position) {
      ctx.addIssue({ code: "custom", message: "is not a valid cursor" });
      return z.NEVER;
    }
    return position;
  })
  .optional()
  .meta({ description: "Opaque cursor from the previous page's Link header" });

const order = z
  .enum(["asc", "desc"], { error: 'must be "asc" or "desc"' })
  .default("asc")
  .meta({ description: "Timestamp order" });

const lapNumber = z.coerce
  .number({ error: "must be a number" })
  .int("must be an integer")
  .min(0, "must be at least 0");

/** `fields=speed,rpm`: channels to include (id, timestamp and driver_id are always there). */
export const FIELD_NAMES = [
  "session_id",
  "session_type",
  "track_name",
  "car_name",
  ...CHANNEL_NAMES,
] as const;
const fields = z
  .string()
  .transform((s, ctx) => {
    const names = s
      .split(",")
      .map((f) => f.trim())
      .filter(Boolean);
    const unknown = names.filter((n) => !(FIELD_NAMES as readonly string[]).includes(n));
    if (unknown.length > 0) {
      ctx.addIssue({ code: "custom", message: `has unknown fields: ${unknown.join(", ")}` });
      return z.NEVER;
    }
    return names;
  })
  .optional()
  .meta({ description: "Comma-separated channels to return" });

const timeRange = {
  start_time: Rfc3339.optional().meta({ description: "Only samples at or after (RFC 3339)" }),
  end_time: Rfc3339.optional().meta({ description: "Only samples before (RFC 3339)" }),
};

export const DriverHistoryQuery = z.strictObject({
  ...timeRange,
  track_name: TrackName.optional(),
  car_name: CarName.optional(),
  session_type: SessionType.optional(),
  limit,
  cursor,
  order,
});
export type DriverHistoryQuery = z.infer<typeof DriverHistoryQuery>;

export const SessionTelemetryQuery = z.strictObject({
  ...timeRange,
  driver_id: SeriesId.optional(),
  lap: lapNumber.optional(),
  limit,
  cursor,
  order,
  fields,
  format: z
    .enum(["json", "ndjson", "csv"], { error: 'must be "json", "ndjson" or "csv"' })
    .optional()
    .meta({
      description:
        "json, ndjson or csv; without it the Accept header decides (application/json, application/x-ndjson, text/csv), else json",
    }),
});
export type SessionTelemetryQuery = z.infer<typeof SessionTelemetryQuery>;

export const SessionListQuery = z.strictObject({
  driver_id: SeriesId.optional(),
  track_name: TrackName.optional(),
  car_name: CarName.optional(),
  session_type: SessionType.optional(),
  limit: limit.pipe(z.number().max(1000, "must be at most 1000")),
  cursor,
});
export type SessionListQuery = z.infer<typeof SessionListQuery>;

export const LapsQuery = z.strictObject({ driver_id: SeriesId.optional() });

export const DeleteBody = z.strictObject({
  older_than: Rfc3339.meta({ description: "Delete samples with timestamp < older_than" }),
});
export const DeleteQuery = z.strictObject({ older_than: Rfc3339.optional() });

export const SessionIdParam = z.object({ session_id: SeriesId });

/** `POST /ibt?session_id=&driver_id=`: ids to store the recording under instead of its own. */
export const IbtUploadQuery = z.strictObject({
  session_id: SeriesId.optional().meta({
    description: "Session to store the recording in (default: derived from the recording)",
  }),
  driver_id: SeriesId.optional().meta({
    description: "Driver to store it as (default: the recording driver's iRacing name)",
  }),
});
export const DriverIdParam = z.object({ driver_id: SeriesId });
