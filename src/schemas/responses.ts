import { z } from "zod";
import { ERROR_CODES } from "../domain/problems";

/** Response bodies (DESIGN §3, §5): the types handlers return are inferred from these. */

export const ErrorBody = z
  .object({
    error: z.string().meta({ description: "What went wrong, naming the field and the rule" }),
    code: z.enum(ERROR_CODES),
    details: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
    request_id: z.string(),
  })
  .meta({ id: "Error" });

export const IngestOne = z.object({ id: z.string() }).meta({ id: "IngestOne" });

export const IngestMany = z
  .object({
    ids: z.array(z.string()).meta({ description: "One id per sample, in request order" }),
    accepted: z.number().int(),
    duplicates: z.number().int().meta({ description: "Samples that were already stored" }),
  })
  .meta({ id: "IngestMany" });

export const LapView = z
  .object({
    driver_id: z.string(),
    lap: z.number().int(),
    lap_time: z.number().nullable().meta({ description: "Seconds; null when untimed" }),
    timed: z.boolean(),
    time_source: z.enum(["official", "interpolated", "untimed"]),
    start_time: z.string(),
    end_time: z.string(),
    max_speed: z.number().nullable(),
    sample_count: z.number().int(),
    best: z.boolean().meta({ description: "The driver's fastest timed lap" }),
  })
  .meta({ id: "Lap" });
export type LapView = z.infer<typeof LapView>;

const ImportedLap = z.object({
  lap: z.number().int(),
  lap_time: z.number().nullable().meta({ description: "Seconds; null when nobody timed it" }),
  valid: z.boolean().meta({ description: "Timed by iRacing (false: an untimed lap)" }),
  max_speed: z.number().nullable().meta({ description: "km/h" }),
  sample_count: z.number().int(),
});

/** `POST /ibt`: what the upload stored (201), or stored before (200, the same body). */
export const IbtImport = z
  .object({
    session_id: z.string(),
    driver_id: z.string(),
    track_name: z.string(),
    car_name: z.string(),
    session_type: z.string(),
    samples: z.number().int().meta({ description: "Samples stored from the file" }),
    max_speed: z.number().meta({ description: "The highest speed in the file, km/h" }),
    laps: z.array(ImportedLap).meta({ description: "Completed laps of the (first) session" }),
    sessions: z
      .array(
        z.object({
          session_id: z.string(),
          session_type: z.string(),
          samples: z.number().int(),
          max_speed: z.number(),
          laps: z.array(ImportedLap),
        }),
      )
      .meta({ description: "Every iRacing session of the recording, one API session each" }),
    skipped: z
      .object({
        glitch: z.number().int(),
        out_of_order: z.number().int(),
        invalid: z.number().int(),
      })
      .meta({ description: "Recorded samples not stored: zeroed, repeated time, out of range" }),
    duplicates: z
      .number()
      .int()
      .meta({ description: "Of samples, how many the session already held" }),
    sha256: z.string().meta({ description: "The file's SHA-256: what identifies a re-upload" }),
  })
  .meta({ id: "IbtImport" });
export type IbtImport = z.infer<typeof IbtImport>;

export const DriverSummary = z
  .object({
    driver_id: z.string(),
    car_name: z.string(),
    sample_count: z.number().int(),
    first_timestamp: z.string().nullable(),
    last_timestamp: z.string().nullable(),
    current_lap: z.number().int().nullable(),
    laps_completed: z
      .number()
      .int()
      .describe(
        "Laps completed from line to line; lap 0 (the run to the first crossing) is not counted",
      ),
    best_lap: z.object({ lap: z.number().int(), lap_time: z.number() }).nullable(),
    last_lap_time: z.number().nullable(),
    queued_samples: z.number().int(),
  })
  .meta({ id: "DriverSummary" });
export type DriverSummary = z.infer<typeof DriverSummary>;

export const SessionSummary = z
  .object({
    session_id: z.string(),
    track_name: z.string(),
    session_type: z.string(),
    car_names: z.array(z.string()),
    sample_count: z.number().int(),
    first_timestamp: z.string().nullable(),
    last_timestamp: z.string().nullable(),
    created_at: z.string(),
    updated_at: z.string(),
    live: z.boolean().meta({ description: "Samples arrived in the last 30 s" }),
    queued_samples: z.number().int(),
    drivers: z.array(DriverSummary),
  })
  .meta({ id: "SessionSummary" });
export type SessionSummary = z.infer<typeof SessionSummary>;

export const SessionListItem = z
  .object({
    session_id: z.string(),
    track_name: z.string(),
    session_type: z.string(),
    drivers: z.array(z.object({ driver_id: z.string(), car_name: z.string() })),
    sample_count: z.number().int(),
    first_timestamp: z.string().nullable(),
    last_timestamp: z.string().nullable(),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .meta({ id: "SessionListItem" });
export type SessionListItem = z.infer<typeof SessionListItem>;

export const Tracks = z.object({ tracks: z.array(z.string()) }).meta({ id: "Tracks" });
export const Cars = z.object({ cars: z.array(z.string()) }).meta({ id: "Cars" });
export const Deleted = z.object({ deleted_count: z.number().int() }).meta({ id: "Deleted" });

export const Health = z
  .object({
    status: z.enum(["ok", "degraded"]),
    version: z.string(),
    checks: z.object({
      d1: z.object({
        status: z.enum(["ok", "error"]),
        latency_ms: z.number(),
        error: z.string().optional(),
      }),
    }),
  })
  .meta({ id: "Health" });
