import { createRouter } from "../app";
import { maxIbtBytes } from "../config";
import { ApiError } from "../errors";
import { IbtFormatError } from "../ibt";
import { readBinaryBody } from "../middleware/binary-body";
import { validate } from "../middleware/validate";
import { short32, short32OrNull } from "../schemas/float32";
import { IbtUploadQuery } from "../schemas/query";
import type { IbtImport } from "../schemas/responses";
import { type ImportedLap, type ImportResult, importRecording } from "../session/import";
import { refusal } from "./refusal";

/**
 * `POST /ibt`: an iRacing recording as iRacing wrote it. 201 with the session, driver and lap
 * table; the same file again 200 with the same body, storing nothing. A file the reader cannot
 * use is a 422 `invalid_ibt` saying what is wrong and where, with nothing stored.
 */
export const ibtRoutes = createRouter().post("/", validate("query", IbtUploadQuery), async (c) => {
  const { session_id, driver_id } = c.req.valid("query");
  const body = await readBinaryBody(c, maxIbtBytes(c.env));
  c.set("logFields", { bytes: body.size });
  let outcome: Awaited<ReturnType<typeof importRecording>>;
  try {
    outcome = await importRecording(c.env, {
      source: body.source,
      sha256: body.sha256,
      sessionId: session_id,
      driverId: driver_id,
    });
  } catch (err) {
    if (!(err instanceof IbtFormatError)) throw err;
    throw new ApiError("invalid_ibt", `Invalid .ibt file: ${err.message}`, {
      details: [{ path: "body", message: err.message }],
    });
  }
  if (!outcome.ok) throw refusal(outcome);
  const answer = toWire(outcome.result);
  c.set("logFields", { bytes: body.size, session_id: answer.session_id, samples: answer.samples });
  return c.json(answer, outcome.created ? 201 : 200);
});

const lapToWire = (l: ImportedLap) => ({
  lap: l.lap,
  lap_time: short32OrNull(l.lapTime),
  valid: l.valid,
  max_speed: short32OrNull(l.maxSpeed),
  sample_count: l.sampleCount,
});

function toWire(r: ImportResult): IbtImport {
  const sessions = r.sessions.map((s) => ({
    session_id: s.sessionId,
    session_type: s.sessionType,
    samples: s.samples,
    max_speed: short32(s.maxSpeed),
    laps: s.laps.map(lapToWire),
  }));
  const first = sessions[0];
  return {
    session_id: first?.session_id ?? "",
    driver_id: r.driverId,
    track_name: r.trackName,
    car_name: r.carName,
    session_type: first?.session_type ?? "",
    samples: r.samples,
    max_speed: Math.max(0, ...sessions.map((s) => s.max_speed)),
    laps: first?.laps ?? [],
    sessions,
    skipped: {
      glitch: r.skipped.glitch,
      out_of_order: r.skipped.outOfOrder,
      invalid: r.skipped.invalid,
    },
    duplicates: r.duplicates,
    sha256: r.sha256,
  };
}
