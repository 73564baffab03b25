import { describe, expect, it } from "vitest";
import { type Lap, type LapEvent, type LapInput, LapTracker } from "../../src/domain/laps";

// A synthetic car at constant speed round a lap of LAP_MS: its exact line crossings are known,
// so an interpolated lap time can be checked against the truth. Channels are float32 as stored.
const T0 = Date.UTC(2024, 4, 1, 12);
const LAP_MS = 92_345.678;
const LAP_S = LAP_MS / 1000;
const LINE = T0 + 1234.1;
const FIRST_LAP = 3;

/** The k-th line crossing of the default run: lap FIRST_LAP + k - 1 ends there. */
const cross = (k: number) => LINE + k * LAP_MS;

interface Drive {
  from: number;
  to: number;
  line?: number;
  lap0?: number;
}

/** 60 Hz samples in [from, to); `current_lap` is lap0 from `line` to the next crossing. */
function drive({ from, to, line = LINE, lap0 = FIRST_LAP }: Drive): LapInput[] {
  const samples: LapInput[] = [];
  for (let i = 0; from + Math.round((i * 1000) / 60) < to; i++) {
    const ts = from + Math.round((i * 1000) / 60);
    const laps = (ts - line) / LAP_MS;
    const k = Math.floor(laps);
    const p = laps - k;
    // Fastest just before the line: a sample counted past the crossing shows in maxSpeed.
    const speed = Math.fround(100 + 100 * p + k);
    samples.push({
      ts,
      current_lap: lap0 + k,
      track_position: Math.fround(p),
      last_lap_time: null,
      speed,
    });
  }
  return samples;
}

/** The default run from T0 until `after` ms past crossing `k`. */
const run = (k: number, after = 3000) => drive({ from: T0, to: cross(k) + after });

/** Overlays `last_lap_time` as a client shows it: each posted value holds until the next. */
function post(samples: LapInput[], posts: [atTs: number, value: number][]): LapInput[] {
  return samples.map((s) => {
    const shown = posts.filter(([at]) => at <= s.ts).at(-1);
    return { ...s, last_lap_time: shown ? shown[1] : null };
  });
}

/** Every sample's `current_lap` taken from `by` samples earlier (negative: increments early). */
function shiftIncrements(samples: LapInput[], by: number): LapInput[] {
  const at = (i: number) => samples[Math.min(Math.max(i, 0), samples.length - 1)];
  return samples.map((s, i) => ({ ...s, current_lap: at(i - by)?.current_lap ?? s.current_lap }));
}

function feed(samples: LapInput[], tracker = new LapTracker()): LapEvent[] {
  return samples.flatMap((s) => tracker.push(s));
}

/** The lap table a consumer keeps: completed laps, each replaced by its later updates. */
function table(events: LapEvent[]): Lap[] {
  const laps: Lap[] = [];
  for (const e of events) {
    if (e.type === "completed") laps.push(e.lap);
    else laps[laps.length - 1] = e.lap;
  }
  return laps;
}

const kinds = (events: LapEvent[]) => events.map((e) => [e.type, e.lap.lap, e.lap.timeSource]);

/** The truth for a lap from `start` to `end`: its bounds and the samples between them. */
function truth(samples: LapInput[], lap: number, start: number, end: number) {
  const inLap = samples.filter((s) => s.ts >= start && s.ts < end);
  const maxSpeed = Math.max(...inLap.map((s) => s.speed));
  return {
    lap,
    startTs: Math.round(start),
    endTs: Math.round(end),
    maxSpeed,
    sampleCount: inLap.length,
  };
}

const interpolated = { lapTime: expect.closeTo(LAP_S, 4), timed: true, timeSource: "interpolated" };
const untimed = { lapTime: null, timed: false, timeSource: "untimed" };
const official = (lapTime: number) => ({ lapTime, timed: true, timeSource: "official" });
/** An official time 0.4 ms off the truth, so it can be told apart from the interpolated one. */
const OFFICIAL = Math.fround(LAP_S + 0.0004);

describe("LapTracker timing", () => {
  it("times a lap by interpolating the line crossings to well under a millisecond", () => {
    const samples = run(2);
    const laps = table(feed(samples));
    expect(laps).toHaveLength(3);
    expect(laps[1]).toEqual({ ...truth(samples, 3, cross(0), cross(1)), ...interpolated });
    expect(laps[2]).toEqual({ ...truth(samples, 4, cross(1), cross(2)), ...interpolated });
    expect(Math.abs((laps[1]?.lapTime ?? 0) - LAP_S)).toBeLessThan(0.001);
  });

  it("leaves the first, partially observed lap untimed", () => {
    const samples = run(1);
    expect(table(feed(samples))[0]).toEqual({ ...truth(samples, 2, T0, cross(0)), ...untimed });
  });

  it("times the first, partially observed lap from an official time", () => {
    const samples = post(run(1), [[cross(0) + 1200, OFFICIAL]]);
    expect(table(feed(samples))[0]).toMatchObject({ lap: 2, ...official(OFFICIAL) });
  });

  it.each([700, 1200, 1900])(
    "times a lap from the official time posted %i ms after the line",
    (delay) => {
      const samples = post(run(1), [
        [cross(0) + 1000, -1],
        [cross(1) + delay, OFFICIAL],
      ]);
      const events = feed(samples);
      expect(kinds(events)).toEqual([
        ["completed", 2, "untimed"],
        ["completed", 3, "interpolated"],
        ["updated", 3, "official"],
      ]);
      const completed = events[1]?.lap;
      expect(events[2]?.lap).toEqual({ ...completed, ...official(OFFICIAL) });
    },
  );

  it("carries an official time posted on the crossing sample in the completed event", () => {
    const first = run(1).find((s) => s.ts >= cross(1));
    const samples = post(run(1), [[first?.ts ?? 0, OFFICIAL]]);
    const events = feed(samples);
    expect(kinds(events)).toEqual([
      ["completed", 2, "untimed"],
      ["completed", 3, "official"],
    ]);
    expect(events[1]?.lap.lapTime).toBe(OFFICIAL);
  });

  it("ignores a last_lap_time posted after the official window", () => {
    const samples = post(run(1, 8000), [[cross(1) + 5500, OFFICIAL]]);
    const laps = table(feed(samples));
    expect(laps[1]).toMatchObject({ lap: 3, ...interpolated });
  });

  it("accepts a late post inside a longer configured window", () => {
    const samples = post(run(1, 8000), [[cross(1) + 5500, OFFICIAL]]);
    const laps = table(feed(samples, new LapTracker(undefined, { officialWindowMs: 6000 })));
    expect(laps[1]).toMatchObject({ lap: 3, ...official(OFFICIAL) });
  });

  it("marks a lap untimed when -1 is posted, even though it could be interpolated", () => {
    const samples = post(run(1), [[cross(1) + 1200, -1]]);
    const events = feed(samples);
    expect(kinds(events).at(-1)).toEqual(["updated", 3, "untimed"]);
    expect(table(events)[1]).toMatchObject({ lap: 3, ...untimed });
  });

  it("leaves laps untimed when the samples around the line are more than 2 s apart", () => {
    const samples = run(3).filter((s) => Math.abs(s.ts - cross(1)) > 1500);
    const laps = table(feed(samples));
    expect(laps.map((l) => [l.lap, l.timeSource])).toEqual([
      [2, "untimed"],
      [3, "untimed"],
      [4, "untimed"],
      [5, "interpolated"],
    ]);
  });

  it("times a lap across such a gap from an official time", () => {
    const gapped = run(2).filter((s) => Math.abs(s.ts - cross(1)) > 1500);
    const laps = table(feed(post(gapped, [[cross(1) + 1700, OFFICIAL]])));
    expect(laps[1]).toMatchObject({ lap: 3, ...official(OFFICIAL) });
  });
});

describe("LapTracker line crossings", () => {
  // Lap 4 starts normally; mid-lap the driver resets to the pits: `current_lap` increments
  // without a wrap and the car reappears at 30 % of the lap, then drives on.
  const RESET = T0 + 140_000;
  const PIT_LINE = RESET - 0.3 * LAP_MS;
  const beforeReset = drive({ from: T0, to: RESET });
  const afterReset = drive({
    from: RESET,
    to: PIT_LINE + 2 * LAP_MS + 3000,
    line: PIT_LINE,
    lap0: 5,
  });
  const resetRun = [...beforeReset, ...afterReset];

  it("leaves a lap ended by an increment without a wrap (reset to pits) untimed", () => {
    const laps = table(feed(resetRun));
    expect(laps.map((l) => [l.lap, l.timeSource])).toEqual([
      [2, "untimed"],
      [3, "interpolated"],
      [4, "untimed"],
      [5, "untimed"],
      [6, "interpolated"],
    ]);
    expect(laps[2]).toEqual({ ...truth(resetRun, 4, cross(1), RESET), ...untimed });
    expect(laps[3]).toEqual({ ...truth(resetRun, 5, RESET, PIT_LINE + LAP_MS), ...untimed });
  });

  it("times a lap ended by a reset to pits from an official time", () => {
    const laps = table(feed(post(resetRun, [[RESET + 1200, OFFICIAL]])));
    expect(laps[2]).toMatchObject({ lap: 4, endTs: RESET, ...official(OFFICIAL) });
  });

  it("counts a wrap of track_position without an increment of current_lap", () => {
    const samples = run(2).map((s) => ({ ...s, current_lap: 0 }));
    const laps = table(feed(samples));
    expect(laps).toEqual([
      { ...truth(samples, 0, T0, cross(0)), ...untimed },
      { ...truth(samples, 0, cross(0), cross(1)), ...interpolated },
      { ...truth(samples, 0, cross(1), cross(2)), ...interpolated },
    ]);
  });

  it.each([
    ["one sample before", -1],
    ["half a second before", -30],
    ["one sample after", 1],
    ["half a second after", 30],
  ])("completes one lap per crossing when current_lap increments %s the wrap", (_, by) => {
    const clean = table(feed(run(3)));
    const events = feed(shiftIncrements(run(3), by));
    expect(events.filter((e) => e.type === "completed")).toHaveLength(4);
    expect(table(events)).toEqual(clean);
  });

  it("reports an early increment as completed untimed, then refines it at the wrap", () => {
    const events = feed(shiftIncrements(run(1), -30));
    expect(kinds(events)).toEqual([
      ["completed", 2, "untimed"],
      ["updated", 2, "untimed"],
      ["completed", 3, "untimed"],
      ["updated", 3, "interpolated"],
    ]);
    expect(events[3]?.lap.endTs).toBe(Math.round(cross(1)));
  });

  it.each([
    ["decreases", 0, 1],
    ["jumps by more than one", 6, 7],
  ])("restarts with an unobserved lap when current_lap %s", (_, lap0, resumed) => {
    const cut = cross(1) + 40_000;
    const samples = [
      ...drive({ from: T0, to: cut }),
      ...drive({ from: cut, to: cross(3) + 3000, lap0 }),
    ];
    const laps = table(feed(samples));
    // Lap 4 never reaches the line under its own number, so it is dropped, not completed.
    expect(laps).toEqual([
      { ...truth(samples, 2, T0, cross(0)), ...untimed },
      { ...truth(samples, 3, cross(0), cross(1)), ...interpolated },
      { ...truth(samples, resumed, cut, cross(2)), ...untimed },
      { ...truth(samples, resumed + 1, cross(2), cross(3)), ...interpolated },
    ]);
  });

  it("counts the sample at the crossing, and none before it, into the new lap", () => {
    const at = (ts: number, p: number, speed: number, lap = 1): LapInput => ({
      ts: T0 + ts,
      current_lap: lap,
      track_position: p,
      last_lap_time: null,
      speed,
    });
    const laps = table(
      feed([
        at(0, 0.5, 100),
        at(500, 0.95, 120),
        at(1000, 0.05, 300, 2),
        at(1500, 0.5, 100, 2),
        at(2000, 0.95, 110, 2),
        at(2500, 0.05, 90, 3),
      ]),
    );
    expect(laps.map((l) => [l.lap, l.maxSpeed, l.sampleCount])).toEqual([
      [1, 120, 2],
      [2, 300, 3],
    ]);
    expect(laps[1]).toMatchObject({ startTs: T0 + 750, endTs: T0 + 2250, lapTime: 1.5 });
  });

  it("does not attach a time posted after a reset to the lap before it", () => {
    const cut = cross(1) + 500;
    const samples = post(
      [...drive({ from: T0, to: cut }), ...drive({ from: cut, to: cross(2) + 3000, lap0: 0 })],
      [[cross(1) + 1200, OFFICIAL]],
    );
    const events = feed(samples);
    expect(kinds(events)).toEqual([
      ["completed", 2, "untimed"],
      ["completed", 3, "interpolated"],
      ["completed", 1, "untimed"],
    ]);
  });

  it("ignores a sample that is not newer than the last one", () => {
    const samples = run(1);
    const tracker = new LapTracker();
    feed(samples.slice(0, 200), tracker);
    const before = tracker.state();
    expect(feed(samples.slice(150, 200), tracker)).toEqual([]);
    expect(tracker.state()).toEqual(before);
  });

  it("reports the lap in progress and the last completed lap", () => {
    const tracker = new LapTracker();
    expect([tracker.currentLap, tracker.lastLap]).toEqual([null, null]);
    feed(run(0), tracker);
    expect(tracker.currentLap).toBe(3);
    expect(tracker.lastLap).toMatchObject({ lap: 2, endTs: Math.round(cross(0)) });
  });
});

describe("LapTracker state", () => {
  const samples = post(shiftIncrements(run(3), -20), [
    [cross(0) + 1000, -1],
    [cross(1) + 1200, OFFICIAL],
    [cross(3) + 700, Math.fround(LAP_S)],
  ]);

  it("continues identically after a JSON round trip of its state at every sample", () => {
    const live = new LapTracker();
    const mismatches: number[] = [];
    samples.forEach((s, i) => {
      const restored = new LapTracker(JSON.parse(JSON.stringify(live.state())));
      const a = JSON.stringify(live.push(s));
      const b = JSON.stringify(restored.push(s));
      if (a !== b || JSON.stringify(live.state()) !== JSON.stringify(restored.state())) {
        mismatches.push(i);
      }
    });
    expect(mismatches).toEqual([]);
  });

  it.each([
    ["mid-lap", cross(2) - 40_000],
    ["inside the official window", cross(1) + 800],
    ["between an early increment and its wrap", cross(2) - 100],
  ])("gives identical events when evicted %s and restored", (_, at) => {
    const split = samples.findIndex((s) => s.ts >= at);
    const first = new LapTracker();
    const head = feed(samples.slice(0, split), first);
    const restored = new LapTracker(JSON.parse(JSON.stringify(first.state())));
    const tail = feed(samples.slice(split), restored);
    expect([...head, ...tail]).toEqual(feed(samples));
    expect(tail.length).toBeGreaterThan(0);
  });

  it("hands out snapshots that later pushes do not change", () => {
    const tracker = new LapTracker();
    feed(samples.slice(0, 100), tracker);
    const snapshot = tracker.state();
    const copy = JSON.parse(JSON.stringify(snapshot));
    feed(samples.slice(100, 200), tracker);
    expect(snapshot).toEqual(copy);
  });
});

describe("LapTracker lap table", () => {
  it("derives the exact lap table of a multi-lap run with posts, a gap and a reset to pits", () => {
    const OFFICIAL_5 = Math.fround(LAP_S - 0.0003);
    const reset = cross(4) + 30_000;
    const pitLine = reset - 0.3 * LAP_MS;
    const samples = post(
      [
        ...drive({ from: T0, to: reset }),
        ...drive({ from: reset, to: pitLine + 2 * LAP_MS + 3000, line: pitLine, lap0: 8 }),
      ],
      [
        [cross(0) + 900, -1],
        [cross(1) + 700, OFFICIAL],
        // lap 4: the client posts nothing, so it is interpolated
        [cross(3) + 1900, OFFICIAL_5],
        [reset + 1100, -1],
        [pitLine + LAP_MS + 1300, -1],
      ],
    );
    expect(table(feed(samples))).toEqual([
      { ...truth(samples, 2, T0, cross(0)), ...untimed },
      { ...truth(samples, 3, cross(0), cross(1)), ...official(OFFICIAL) },
      { ...truth(samples, 4, cross(1), cross(2)), ...interpolated },
      { ...truth(samples, 5, cross(2), cross(3)), ...official(OFFICIAL_5) },
      { ...truth(samples, 6, cross(3), cross(4)), ...interpolated },
      { ...truth(samples, 7, cross(4), reset), ...untimed },
      { ...truth(samples, 8, reset, pitLine + LAP_MS), ...untimed },
      { ...truth(samples, 9, pitLine + LAP_MS, pitLine + 2 * LAP_MS), ...interpolated },
    ]);
  });
});

describe("a -1 left in place", () => {
  it("flags an untimed lap that follows another untimed one, never interpolating it", () => {
    // The out-lap is posted -1 after the first crossing; the next lap is untimed too, and
    // iRacing leaves -1 in force instead of posting it again.
    const samples = post(run(2, 6000), [[cross(1) + 900, -1]]);
    const tracker = new LapTracker();
    const events = feed(samples, tracker);
    const laps = new Map(events.map((e) => [e.lap.lap, e.lap]));
    expect(laps.get(FIRST_LAP + 1)).toMatchObject({
      timed: false,
      lapTime: null,
      timeSource: "untimed",
    });
    expect(events.some((e) => e.type === "updated" && e.lap.lap === FIRST_LAP + 1)).toBe(true);
  });
});
