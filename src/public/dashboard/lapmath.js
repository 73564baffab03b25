/**
 * Lap geometry, pure: the track length from positions, each sample's distance along a lap, and
 * resampling onto a common distance grid, where two laps' elapsed times give the delta trace.
 */

/**
 * Track length (m) from consecutive samples: the distance driven over the lap fraction covered
 * (Σ|Δposition| / Σ Δtrack_position), skipping line crossings and jumps. Null when unknown.
 */
export function trackLength(xs, ys, fractions) {
  let metres = 0;
  let covered = 0;
  for (let i = 1; i < fractions.length; i++) {
    const dp = fractions[i] - fractions[i - 1];
    if (!(dp > 0 && dp < 0.05)) continue;
    const step = Math.hypot(xs[i] - xs[i - 1], ys[i] - ys[i - 1]);
    if (!Number.isFinite(step)) continue;
    metres += step;
    covered += dp;
  }
  return covered >= 0.02 && metres > 0 ? metres / covered : null;
}

/**
 * Each sample's fraction of a lap timed from `startMs` to `endMs`: `track_position` unwrapped
 * around the line (a sample just before the start reads -0.01, one just after the end 1.01).
 */
export function lapFractions(ts, positions, startMs, endMs) {
  const span = Math.max(1, endMs - startMs);
  return ts.map((t, i) => {
    const expected = (t - startMs) / span;
    const p = positions[i];
    let best = p;
    for (const c of [p - 1, p + 1])
      if (Math.abs(c - expected) < Math.abs(best - expected)) best = c;
    return best;
  });
}

/** `count + 1` distances from 0 to `length`. */
export function distanceGrid(length, count = 2000) {
  const step = length / count;
  return Array.from({ length: count + 1 }, (_, i) => i * step);
}

/**
 * Values of `ys` at each grid point, interpolated linearly (or held, with `step`) between the
 * neighbouring samples of an ascending `xs`; null outside the samples or across a null.
 */
export function resample(xs, ys, grid, step = false) {
  const out = new Array(grid.length).fill(null);
  if (xs.length < 2) return out;
  let j = 0;
  for (let g = 0; g < grid.length; g++) {
    const x = grid[g];
    while (j < xs.length - 2 && xs[j + 1] < x) j++;
    const x0 = xs[j];
    const x1 = xs[j + 1];
    if (x < x0 || x > x1) continue;
    const y0 = ys[j];
    const y1 = ys[j + 1];
    if (y0 === null || y1 === null || y0 === undefined || y1 === undefined) continue;
    out[g] =
      step || x1 === x0 ? (x - x0 < x1 - x ? y0 : y1) : y0 + ((y1 - y0) * (x - x0)) / (x1 - x0);
  }
  return out;
}

/**
 * One lap on the grid: `time` (s since the line), the channels, and the car's position, from
 * its records (`timestamp`, `track_position`, channels) and its lap-table row.
 */
export function lapOnGrid(records, lap, length, grid) {
  const startMs = Date.parse(lap.start_time);
  const endMs = Date.parse(lap.end_time);
  const ts = records.map((r) => Date.parse(r.timestamp));
  const fractions = lapFractions(
    ts,
    records.map((r) => r.track_position),
    startMs,
    endMs,
  );
  // Interpolation needs a strictly increasing distance: drop samples that do not advance.
  const keep = [];
  let last = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < records.length; i++) {
    if (fractions[i] > last && fractions[i] > -0.05 && fractions[i] < 1.05) {
      keep.push(i);
      last = fractions[i];
    }
  }
  const xs = keep.map((i) => fractions[i] * length);
  const col = (name) => keep.map((i) => records[i][name]);
  return {
    time: resample(
      xs,
      keep.map((i) => (ts[i] - startMs) / 1000),
      grid,
    ),
    speed: resample(xs, col("speed"), grid),
    throttle: resample(xs, col("throttle_position"), grid).map(percent),
    brake: resample(xs, col("brake_position"), grid).map(percent),
    gear: resample(xs, col("gear"), grid, true),
    rpm: resample(xs, col("rpm"), grid),
    x: resample(xs, col("position_x"), grid),
    y: resample(xs, col("position_y"), grid),
  };
}

/** B's elapsed time minus A's at each distance: positive where B is behind. */
export function deltaTrace(a, b) {
  return a.time.map((t, i) => (t === null || b.time[i] === null ? null : b.time[i] - t));
}

function percent(v) {
  return v === null ? null : v * 100;
}
