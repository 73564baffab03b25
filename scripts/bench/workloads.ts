import { createCarSimulation, type SimSample } from "../sim/generator";

/**
 * Request bodies for the benchmark, built from the simulator's samples. The JSON of each sample
 * is prepared once without its timestamp, so the load generator spends its time sending, not
 * serialising (it shares the machine's two cores with the server).
 */

const TRACK = "red-bull-ring";
const CAR = "gt3";

/** One simulated car's samples as JSON fragments, ready to be stamped with a timestamp. */
export interface SampleTape {
  /** `"speed":...,...` — the channels other than the timestamp and lap number. */
  channels: string[];
  laps: number[];
  /** Laps the tape spans: a replay of the tape counts on from there. */
  lapsPerTape: number;
  hz: number;
  trackName: string;
  carName: string;
}

/**
 * Records `lapCount` whole laps (about 5,400 samples each at 60 Hz) of a simulated GT3 at the
 * Red Bull Ring, from line to line, so a replay of the tape drives on without a jump.
 */
export function recordTape(lapCount: number, seed = 1, hz = 60): SampleTape {
  const sim = createCarSimulation({ track: TRACK, car: CAR, seed, hz, startTime: 0 });
  const channels: string[] = [];
  const laps: number[] = [];
  for (;;) {
    const sample = sim.next() as SimSample;
    if (sample.current_lap < 1) continue;
    if (sample.current_lap > lapCount) break;
    const { timestamp: _t, current_lap, ...rest } = sample;
    channels.push(JSON.stringify(rest).slice(1, -1));
    laps.push(current_lap);
  }
  const lapsPerTape = lapCount;
  return { channels, laps, lapsPerTape, hz, trackName: sim.track.name, carName: sim.carName };
}

/** The compact batch body of samples [from, from + n) of a tape, starting at `startMs`. */
export function batchJson(
  tape: SampleTape,
  driverId: string,
  from: number,
  n: number,
  startMs: number,
): string {
  const parts: string[] = [];
  const length = tape.channels.length;
  for (let i = from; i < from + n; i++) {
    const k = i % length;
    // A replay of the tape drives on: its laps count on from the tape's last one.
    const lap = (tape.laps[k] as number) + Math.floor(i / length) * tape.lapsPerTape;
    const ts = new Date(startMs + Math.round((i * 1000) / tape.hz)).toISOString();
    parts.push(`{"timestamp":"${ts}",${tape.channels[k]},"current_lap":${lap}}`);
  }
  return `{"driver_id":${JSON.stringify(driverId)},"track_name":${JSON.stringify(tape.trackName)},"car_name":${JSON.stringify(tape.carName)},"session_type":"Practice","samples":[${parts.join(",")}]}`;
}

/** A POST of a compact batch. */
export function batchRequest(url: string, token: string, sessionId: string, body: string): Request {
  return postJson(`${url}/api/v1/sessions/${sessionId}/telemetry`, token, body);
}

/** An authorised POST of a JSON body. */
export function postJson(url: string, token: string, body: string): Request {
  return new Request(url, {
    method: "POST",
    headers: { "Content-Type": "application/json", Authorization: `Bearer ${token}` },
    body,
  });
}
