import { getAll, getJson, lapsPath, telemetryPath } from "./api.js";
import { lapChart, metres, percentOfLap, stepped, unit } from "./charts.js";
import { h, replace } from "./dom.js";
import { delta, lapTime } from "./format.js";
import { deltaTrace, distanceGrid, lapFractions, lapOnGrid, trackLength } from "./lapmath.js";
import { bestPair, lapKey as key, ranked } from "./laps.js";
import { trackMap } from "./trackmap.js";

const FIELDS =
  "speed,rpm,gear,throttle_position,brake_position,track_position,position_x,position_y";
const MARGIN_MS = 1500;

/**
 * Two laps (same or different drivers) overlaid by distance, with the delta-time trace: B's
 * elapsed time minus A's on a common distance grid, so the trace ends at the lap-time gap.
 */
export function compareView(root, sessionId, params) {
  let disposed = false;
  const label = (l) => `${l.driver_id} · lap ${l.lap} · ${lapTime(l.lap_time)}`;
  const selects = {
    a: h("select", { "aria-label": "Lap A" }),
    b: h("select", { "aria-label": "Lap B" }),
  };
  const summary = h("div.compare-summary");
  const status = h("p.notice", { hidden: true });
  const boxes = {
    delta: h("div.chart", { id: "delta-chart" }),
    speed: h("div.chart", { id: "compare-speed" }),
    pedals: h("div.chart"),
    gear: h("div.chart"),
  };
  const mapBox = h("div.map-box");
  const back = `#/session/${encodeURIComponent(sessionId)}`;
  replace(
    root,
    h(
      "header.page-head",
      null,
      h("a.back", { href: back }, "← Session"),
      h("div.title-row", null, h("h1", null, "Lap comparison")),
      h(
        "div.pickers",
        null,
        h("label.picker.a", null, h("span", null, "A"), selects.a),
        h("label.picker.b", null, h("span", null, "B"), selects.b),
      ),
      summary,
      status,
    ),
    h(
      "div.session-grid",
      null,
      h(
        "section.panel.telemetry",
        null,
        h("h3", null, "Delta ", h("small", null, "s, B − A: above zero B is behind")),
        boxes.delta,
        h("h3", null, "Speed ", h("small", null, "km/h")),
        boxes.speed,
        h("h3", null, "Throttle / brake ", h("small", null, "%")),
        boxes.pedals,
        h("h3", null, "Gear"),
        boxes.gear,
      ),
      h(
        "div.side",
        null,
        h(
          "section.panel.map-panel",
          null,
          h("div.panel-head", null, h("h2", null, "Track"), h("span.muted", null, "hover a chart")),
          mapBox,
        ),
      ),
    ),
  );

  let length = null;
  let lapA = null;
  const map = trackMap(mapBox);
  const follow = {
    setCursor: [
      (u) => {
        const i = u.cursor.idx;
        map.cursor(i === null || !lapA ? null : lapA.x[i], i === null || !lapA ? null : lapA.y[i]);
      },
    ],
  };
  const common = {
    sync: `compare-${sessionId}`,
    zoom: true,
    xRange: () => [0, length ?? 100],
    xUnit: () => (length ? metres : percentOfLap),
    hooks: follow,
  };
  const charts = {
    delta: lapChart(boxes.delta, {
      ...common,
      height: 170,
      series: [
        {
          label: "Δ B − A",
          color: (c) => c.fg,
          fill: "rgba(250, 204, 21, 0.12)",
          width: 2,
          value: (_u, v) => (v === null ? "—" : `${delta(v)} s`),
        },
      ],
      axes: [{ size: 52, values: (_u, v) => v.map(seconds) }],
    }),
    speed: lapChart(boxes.speed, {
      ...common,
      height: 190,
      series: [
        // A wide underneath, B narrow on top: both stay visible where they overlap.
        { label: "A", color: (c) => wide(c.lapA), width: 4, value: unit(" km/h") },
        { label: "B", color: (c) => c.lapB, width: 1.5, value: unit(" km/h") },
      ],
      axes: [{}],
    }),
    pedals: lapChart(boxes.pedals, {
      ...common,
      height: 150,
      scales: { y: { range: [0, 100] } },
      series: [
        { label: "Throttle A", color: (c) => wide(c.lapA), width: 4, value: unit(" %") },
        {
          label: "Brake A",
          color: (c) => wide(c.lapA),
          width: 4,
          dash: [6, 4],
          value: unit(" %"),
        },
        { label: "Throttle B", color: (c) => c.lapB, value: unit(" %") },
        { label: "Brake B", color: (c) => c.lapB, dash: [4, 3], value: unit(" %") },
      ],
      axes: [{ splits: () => [0, 50, 100] }],
    }),
    gear: lapChart(boxes.gear, {
      ...common,
      height: 120,
      scales: { y: { range: (_u, _min, max) => [0, Math.max(6, max ?? 0) + 0.5] } },
      series: [
        {
          label: "Gear A",
          color: (c) => wide(c.lapA),
          width: 4,
          paths: stepped(),
          value: unit(""),
        },
        { label: "Gear B", color: (c) => c.lapB, paths: stepped(), value: unit("") },
      ],
      axes: [{ values: (_u, v) => v.map((g) => (Number.isInteger(g) ? g : "")) }],
    }),
  };

  async function load() {
    try {
      const laps = (await getJson(lapsPath(sessionId))).filter((l) => l.timed);
      if (disposed) return;
      if (laps.length === 0) {
        showStatus("No timed laps in this session yet.");
        return;
      }
      const [first, second] = bestPair(laps) ?? [ranked(laps)[0], ranked(laps)[0]];
      const a = laps.find((l) => key(l) === params.get("a")) ?? first;
      const b = laps.find((l) => key(l) === params.get("b")) ?? second;
      for (const [which, chosen] of [
        ["a", a],
        ["b", b],
      ]) {
        replace(
          selects[which],
          laps.map((l) =>
            h("option", { value: key(l), selected: key(l) === key(chosen) }, label(l)),
          ),
        );
        selects[which].onchange = () => {
          const next = new URLSearchParams({ a: selects.a.value, b: selects.b.value });
          location.hash = `#/session/${encodeURIComponent(sessionId)}/compare?${next}`;
        };
      }
      const [recordsA, recordsB] = await Promise.all([a, b].map(lapRecords));
      if (disposed) return;
      draw(a, b, recordsA, recordsB);
    } catch (err) {
      showStatus(`Could not load the laps: ${err.message}`);
    }
  }

  function lapRecords(lap) {
    const iso = (ms) => new Date(ms).toISOString();
    return getAll(
      telemetryPath(sessionId, {
        driver_id: lap.driver_id,
        start_time: iso(Date.parse(lap.start_time) - MARGIN_MS),
        end_time: iso(Date.parse(lap.end_time) + MARGIN_MS),
        fields: FIELDS,
      }),
      5,
    );
  }

  function draw(a, b, recordsA, recordsB) {
    const fractionsOf = (records, lap) =>
      lapFractions(
        records.map((r) => Date.parse(r.timestamp)),
        records.map((r) => r.track_position),
        Date.parse(lap.start_time),
        Date.parse(lap.end_time),
      );
    const estimate = (records, lap) =>
      trackLength(
        records.map((r) => r.position_x),
        records.map((r) => r.position_y),
        fractionsOf(records, lap),
      );
    const metresLong = estimate(recordsA, a) ?? estimate(recordsB, b);
    length = metresLong ? Math.round(metresLong) : null;
    const grid = distanceGrid(length ?? 100, 2000);
    lapA = lapOnGrid(recordsA, a, length ?? 100, grid);
    const lapB = lapOnGrid(recordsB, b, length ?? 100, grid);
    const trace = deltaTrace(lapA, lapB);

    charts.delta.setData([grid, trace]);
    charts.speed.setData([grid, lapA.speed, lapB.speed]);
    charts.pedals.setData([grid, lapA.throttle, lapA.brake, lapB.throttle, lapB.brake]);
    charts.gear.setData([grid, lapA.gear, lapB.gear]);
    map.learn(
      lapA.x,
      lapA.y,
      grid.map((d) => d / (length ?? 100)),
    );
    map.render();

    const points = trace.filter((v) => v !== null);
    boxes.delta.dataset.points = String(points.length);
    boxes.delta.dataset.finalDelta = points.length ? points[points.length - 1].toFixed(3) : "";
    const gap = b.lap_time - a.lap_time;
    replace(
      summary,
      h(
        "div.lap-card.a",
        null,
        h("span", null, "A"),
        h("b", null, lapTime(a.lap_time)),
        `${a.driver_id} · lap ${a.lap}`,
      ),
      h(
        "div.gap-card",
        { class: gap > 0 ? "slower" : gap < 0 ? "faster" : "" },
        h("b", null, `${delta(gap)} s`),
        gap === 0 ? "same time" : `B is ${gap > 0 ? "slower" : "faster"}`,
      ),
      h(
        "div.lap-card.b",
        null,
        h("span", null, "B"),
        h("b", null, lapTime(b.lap_time)),
        `${b.driver_id} · lap ${b.lap}`,
      ),
    );
  }

  function showStatus(text) {
    status.hidden = false;
    status.textContent = text;
  }

  void load();
  return () => {
    disposed = true;
    for (const c of Object.values(charts)) c.destroy();
  };
}

/** Axis ticks of the delta: "0", "+0.25", "−1.5". */
function seconds(v) {
  if (v === 0) return "0";
  return `${v > 0 ? "+" : "−"}${+Math.abs(v).toFixed(3)}`;
}

/** Lap A is drawn wide and translucent under lap B. */
function wide(hex) {
  return /^#[0-9a-f]{6}$/i.test(hex) ? `${hex}a0` : hex;
}
