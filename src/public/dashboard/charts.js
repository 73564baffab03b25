import uPlot from "./uplot.js";

/** uPlot charts against lap distance, themed from the page's CSS variables, sized to fit. */

/** The page's current colours (they follow prefers-color-scheme). */
export function colors() {
  const css = getComputedStyle(document.documentElement);
  const v = (name) => css.getPropertyValue(name).trim();
  return {
    fg: v("--fg"),
    muted: v("--muted"),
    grid: v("--grid"),
    ghost: v("--ghost"),
    throttle: v("--throttle"),
    brake: v("--brake"),
    best: v("--best"),
    lapA: v("--lap-a"),
    lapB: v("--lap-b"),
  };
}

const FONT = '11px system-ui, -apple-system, "Segoe UI", Roboto, sans-serif';

/** Formats a legend value with a unit, or "—" where the series has no value. */
export const unit =
  (suffix, digits = 0) =>
  (_u, v) =>
    v === null || v === undefined ? "—" : `${v.toFixed(digits)}${suffix}`;

/** Stepped paths for integer channels such as the gear. */
export const stepped = () => uPlot.paths.stepped({ align: 1 });

/** Distance ticks and legend in km / m (the default) or, without a track length, in %. */
export const metres = {
  ticks: (v) => `${+(v / 1000).toFixed(2)} km`,
  legend: (v) => `${Math.round(v)} m`,
};
export const percentOfLap = {
  ticks: (v) => `${Math.round(v)}%`,
  legend: (v) => `${v.toFixed(1)}% of lap`,
};

/**
 * A chart of `series` against lap distance in `container`, resized with it and rebuilt when the
 * colour scheme changes. `series[i]` is a uPlot series plus `color(c)` for themed strokes;
 * `axes` are the y axes; `xRange()` fixes the distance axis (the lap) and `xUnit()` says how to
 * label it. Charts with the same `sync` key share the cursor, and with `zoom` a drag zooms them
 * all (double-click resets). `hooks` and `scales` go to uPlot as they are.
 */
export function lapChart(
  container,
  {
    series,
    axes,
    height = 170,
    sync = "lap",
    xRange = null,
    xUnit = () => metres,
    zoom = false,
    hooks = {},
    scales = {},
  },
) {
  const build = () => {
    const c = colors();
    const axis = (a) => ({
      stroke: c.muted,
      font: FONT,
      labelFont: FONT,
      grid: { stroke: c.grid, width: 1 },
      ticks: { stroke: c.grid, width: 1, size: 4 },
      ...a,
    });
    return {
      width: Math.max(200, container.clientWidth),
      height,
      padding: [10, 14, 0, 0],
      cursor: {
        sync: { key: sync, scales: zoom ? ["x", null] : [null, null] },
        drag: { x: zoom, y: false },
        points: { size: 7 },
      },
      legend: { live: true },
      hooks,
      scales: {
        x: { time: false, range: (_u, min, max) => (xRange ? xRange() : [min, max]) },
        ...scales,
      },
      axes: [
        axis({
          size: 30,
          values: (_u, splits) => splits.map((v) => xUnit().ticks(v)),
        }),
        ...axes.map((a) => axis({ size: 48, ...a })),
      ],
      series: [
        { label: "Distance", value: (_u, v) => (v === null ? "—" : xUnit().legend(v)) },
        ...series.map(({ color, ...s }) => ({
          width: 1.5,
          spanGaps: true, // bins the live lap has not filled yet
          points: { show: false },
          ...s,
          ...(color ? { stroke: color(c) } : {}),
        })),
      ],
    };
  };

  let data = [[], ...series.map(() => [])];
  let chart = new uPlot(build(), data, container);
  const resize = new ResizeObserver(() => {
    const width = Math.max(200, container.clientWidth);
    if (width !== chart.width) chart.setSize({ width, height });
  });
  resize.observe(container);
  const scheme = matchMedia("(prefers-color-scheme: dark)");
  const rebuild = () => {
    chart.destroy();
    chart = new uPlot(build(), data, container);
  };
  // Series colours can depend on state (the focused driver): rebuild() picks them up.
  scheme.addEventListener("change", rebuild);

  return {
    /** Replaces the data: `[x, ...ys]`. */
    setData(next) {
      data = next;
      chart.setData(next);
    },
    get plot() {
      return chart;
    },
    rebuild,
    destroy() {
      resize.disconnect();
      scheme.removeEventListener("change", rebuild);
      chart.destroy();
    },
  };
}
