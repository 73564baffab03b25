import { ApiError, getAll, getJson, sessionPath, telemetryPath } from "./api.js";
import { lapChart, metres, percentOfLap, stepped, unit } from "./charts.js";
import { h, replace } from "./dom.js";
import { ago, distance, driverColor, int, lapTime } from "./format.js";
import { trackLength } from "./lapmath.js";
import { lapTable } from "./laps.js";
import { openLive } from "./live.js";
import { trackMap } from "./trackmap.js";

/** Distance bins per lap for the live traces. */
const BINS = 1000;
const CHANNELS = [
  "speed",
  "rpm",
  "gear",
  "current_lap",
  "throttle_position",
  "brake_position",
  "track_position",
  "position_x",
  "position_y",
];
const LIVE_QUERY = { hz: "20", window: "60", channels: CHANNELS.join(",") };
const FRAME_MS = 100;

/**
 * One session, live: drivers, the focused driver's speed, pedals and gear/RPM against lap
 * distance (this lap over the previous one), the track map with every car, and the lap table.
 * Returns a function that closes the socket and stops the timers.
 */
export function sessionView(root, sessionId, params) {
  const drivers = new Map();
  const traces = new Map();
  let focus = params.get("driver");
  // The lap the charts show: the one the URL names, else (once the session has ended) the
  // focused driver's fastest valid lap; null follows the lap in progress.
  const asked = Number.parseInt(params.get("lap") ?? "", 10);
  let pinned = Number.isInteger(asked) ? asked : null;
  let lapRows = [];
  let summary = null;
  let length = null;
  let lastData = 0;
  let socketState = "connecting";
  let dirty = false;
  let frameTimer = null;
  let historyToken = 0;

  // --- layout ---
  const title = h("h1", null, sessionId);
  const meta = h("p.meta");
  const badge = h("span.live-badge", { dataset: { state: "connecting" } }, "connecting");
  const notice = h("p.notice", { hidden: true });
  const chips = h("div.chips", { role: "group", "aria-label": "Drivers" });
  const dash = h("div.dash");
  const lapLabel = h("span.muted");
  const boxes = {
    speed: h("div.chart", { id: "speed-chart" }),
    pedals: h("div.chart", { id: "pedals-chart" }),
    gear: h("div.chart", { id: "gear-chart" }),
  };
  const mapBox = h("div.map-box", { id: "track-map" });
  const lapsPanel = h("section.panel.laps-panel");
  replace(
    root,
    h(
      "header.page-head",
      null,
      h("a.back", { href: "#/" }, "← Sessions"),
      h("div.title-row", null, title, badge),
      meta,
      notice,
      chips,
    ),
    h(
      "div.session-grid",
      null,
      h(
        "section.panel.telemetry",
        null,
        h("div.panel-head", null, h("h2", null, "Telemetry"), lapLabel),
        dash,
        h("h3", null, "Speed ", h("small", null, "km/h")),
        boxes.speed,
        h("h3", null, "Throttle / brake ", h("small", null, "%")),
        boxes.pedals,
        h("h3", null, "Gear / RPM"),
        boxes.gear,
      ),
      h(
        "div.side",
        null,
        h(
          "section.panel.map-panel",
          null,
          h("div.panel-head", null, h("h2", null, "Track")),
          mapBox,
        ),
        lapsPanel,
      ),
    ),
  );

  const colorOf = (id) => driverColor([...drivers.keys()], id);
  const focusColor = () => (focus ? colorOf(focus) : "#38bdf8");
  const map = trackMap(mapBox);
  const table = lapTable(lapsPanel, {
    colorOf,
    onCompare: (a, b) => {
      location.hash = `#/session/${encodeURIComponent(sessionId)}/compare?a=${encodeURIComponent(a)}&b=${encodeURIComponent(b)}`;
    },
  });

  // --- charts: the focused driver's lap so far over the previous lap ---
  const xRange = () => [0, length ?? 100];
  const xUnit = () => (length ? metres : percentOfLap);
  const common = { xRange, xUnit, sync: `live-${sessionId}` };
  const charts = {
    speed: lapChart(boxes.speed, {
      ...common,
      height: 200,
      series: [
        { label: "Previous lap", color: (c) => c.ghost, width: 1.5, value: unit(" km/h") },
        { label: "This lap", color: () => focusColor(), width: 2, value: unit(" km/h") },
      ],
      axes: [{}],
    }),
    pedals: lapChart(boxes.pedals, {
      ...common,
      height: 140,
      scales: { y: { range: [0, 100] } },
      series: [
        { label: "Throttle", color: (c) => c.throttle, value: unit(" %") },
        { label: "Brake", color: (c) => c.brake, value: unit(" %") },
      ],
      axes: [{ splits: () => [0, 50, 100] }],
    }),
    gear: lapChart(boxes.gear, {
      ...common,
      height: 140,
      scales: {
        gear: { range: (_u, _min, max) => [0, Math.max(6, max ?? 0) + 0.5] },
        rpm: { range: (_u, _min, max) => [0, Math.max(1000, (max ?? 0) * 1.08)] },
      },
      series: [
        { label: "RPM", scale: "rpm", color: (c) => c.ghost, width: 1, value: unit("") },
        {
          label: "Gear",
          scale: "gear",
          color: () => focusColor(),
          width: 2,
          paths: stepped(),
          value: unit(""),
        },
      ],
      axes: [
        {
          scale: "gear",
          size: 48,
          values: (_u, v) => v.map((g) => (Number.isInteger(g) ? g : "")),
        },
        {
          scale: "rpm",
          side: 1,
          size: 44,
          grid: { show: false },
          values: (_u, v) => v.map((r) => (r >= 1000 ? `${r / 1000}k` : r)),
        },
      ],
    }),
  };

  // --- data ---
  function driver(id, carName) {
    let d = drivers.get(id);
    if (!d) {
      d = { id, car: carName, latest: null, est: { xs: [], ys: [], fs: [] }, chip: null };
      drivers.set(id, d);
      // Colours follow the sorted driver list: a new driver can change the others'.
      renderChips();
      table.refresh();
      charts.speed.rebuild();
      charts.gear.rebuild();
    }
    if (carName) d.car = carName;
    return d;
  }

  /** Takes columnar samples of one driver (a snapshot part or a live message). */
  function absorb(id, cols, carName) {
    const d = driver(id, carName);
    const n = cols.ts?.length ?? 0;
    if (n === 0) return;
    const row = (i) => Object.fromEntries(Object.keys(cols).map((k) => [k, cols[k][i]]));
    map.learn(cols.position_x, cols.position_y, cols.track_position);
    d.latest = row(n - 1);
    if (length === null) learnLength(d, cols.position_x, cols.position_y, cols.track_position);
    if (id === focus) for (let i = 0; i < n; i++) plot(row(i));
    schedule();
  }

  function learnLength(d, xs, ys, fs) {
    d.est.xs.push(...xs);
    d.est.ys.push(...ys);
    d.est.fs.push(...fs);
    for (const k of ["xs", "ys", "fs"]) d.est[k] = d.est[k].slice(-6000);
    const estimate = trackLength(d.est.xs, d.est.ys, d.est.fs);
    if (estimate && d.est.fs.length > 100) length = Math.round(estimate);
  }

  function trace(lap) {
    const empty = () => new Array(BINS + 1).fill(null);
    return {
      lap,
      speed: empty(),
      throttle: empty(),
      brake: empty(),
      gear: empty(),
      rpm: empty(),
      maxF: 0,
      count: 0,
    };
  }

  /** Puts one sample of the focused driver into its lap's trace, binned by lap fraction. */
  function plot(s) {
    const lap = s.current_lap;
    const f = s.track_position;
    if (!Number.isInteger(lap) || !(f >= 0 && f <= 1)) return;
    let t = traces.get(lap);
    if (!t) {
      t = trace(lap);
      traces.set(lap, t);
      const keep = [...traces.keys()].sort((a, b) => b - a).slice(0, 3);
      if (pinned !== null) keep.push(pinned, pinned - 1);
      for (const k of traces.keys()) if (!keep.includes(k)) traces.delete(k);
    }
    // Near the line the lap number and the position may change a sample apart.
    if (f > 0.9 && t.maxF < 0.5 && t.count < 40) return;
    if (f < 0.1 && t.maxF > 0.9) return;
    const b = Math.round(f * BINS);
    t.speed[b] = s.speed;
    t.throttle[b] = s.throttle_position * 100;
    t.brake[b] = s.brake_position * 100;
    t.gear[b] = s.gear;
    t.rpm[b] = s.rpm;
    t.maxF = Math.max(t.maxF, f);
    t.count++;
    dirty = true;
  }

  /**
   * Whether the session has ended: the server says nothing has arrived for 30 s (`live` of the
   * summary, refreshed every 5 s). Sample times cannot say it: a replay streams old ones live.
   */
  function ended() {
    return summary?.live === false;
  }

  /** The focused driver's fastest valid lap, from the lap table. */
  function fastestLap() {
    let best = null;
    for (const l of lapRows) {
      if (l.driver_id !== focus || !l.timed || !(l.lap_time > 0)) continue;
      if (!best || l.lap_time < best.lap_time) best = l;
    }
    return best?.lap ?? null;
  }

  /** Pins a finished session's charts to the fastest valid lap (unless the URL named one). */
  function pinFinished() {
    if (pinned !== null || !ended()) return false;
    pinned = fastestLap();
    return pinned !== null;
  }

  /**
   * The shown lap and the one before it from history, then live samples on top. A completed
   * lap is drawn from history alone, into a fresh trace: samples the live snapshot plotted
   * first (the end of the lap) would otherwise make the start of the lap look stale.
   */
  async function loadHistory() {
    const d = drivers.get(focus);
    const lap = pinned ?? d?.latest?.current_lap;
    if (!Number.isInteger(lap)) return;
    const token = ++historyToken;
    for (const n of [lap - 1, lap]) {
      if (n < 0) continue;
      if (n < (d?.latest?.current_lap ?? Number.POSITIVE_INFINITY)) traces.set(n, trace(n));
      try {
        const path = telemetryPath(sessionId, {
          driver_id: focus,
          lap: String(n),
          fields: CHANNELS.join(","),
        });
        const records = await getAll(path, 3);
        if (token !== historyToken) return;
        for (const r of records) plot(r);
        if (length === null && records.length) {
          learnLength(
            d,
            records.map((r) => r.position_x),
            records.map((r) => r.position_y),
            records.map((r) => r.track_position),
          );
        }
        map.learn(
          records.map((r) => r.position_x),
          records.map((r) => r.position_y),
          records.map((r) => r.track_position),
        );
        schedule();
      } catch {
        // History is a nicety; the live stream goes on without it.
      }
    }
  }

  function setFocus(id) {
    if (id === focus) return;
    focus = id;
    if (!Number.isInteger(asked)) pinned = null;
    pinFinished();
    traces.clear();
    const url = new URL(location.href);
    url.hash = `#/session/${encodeURIComponent(sessionId)}?driver=${encodeURIComponent(id)}`;
    history.replaceState?.(null, "", url);
    charts.speed.rebuild();
    charts.gear.rebuild();
    renderChips();
    void loadHistory();
    schedule();
  }

  // --- rendering, at most every FRAME_MS ---
  function schedule() {
    dirty = true;
    if (frameTimer) return;
    frameTimer = setTimeout(() => {
      frameTimer = null;
      if (dirty) frame();
    }, FRAME_MS);
  }

  function frame() {
    dirty = false;
    const laps = [...traces.keys()].sort((a, b) => b - a);
    const shown = pinned ?? laps[0];
    const current = traces.get(shown) ?? trace(pinned);
    const previous = traces.get(current.lap - 1) ?? trace(null);
    const xs = Array.from({ length: BINS + 1 }, (_, i) => (i / BINS) * (length ?? 100));
    charts.speed.setData([xs, previous.speed, current.speed]);
    charts.pedals.setData([xs, current.throttle, current.brake]);
    charts.gear.setData([xs, current.rpm, current.gear]);
    boxes.speed.dataset.points = String(current.speed.filter((v) => v !== null).length);
    boxes.speed.dataset.previousPoints = String(previous.speed.filter((v) => v !== null).length);
    boxes.speed.dataset.lap = current.lap ?? "";
    lapLabel.textContent =
      current.lap === null
        ? ""
        : `${focus} · lap ${current.lap}${previous.count ? ` over lap ${previous.lap}` : ""}`;
    for (const d of drivers.values()) {
      if (d.latest)
        map.car(d.id, d.latest.position_x, d.latest.position_y, colorOf(d.id), d.id === focus);
    }
    map.render();
    renderDash();
    updateChips();
    renderBadge();
  }

  function renderDash() {
    const s = drivers.get(focus)?.latest;
    if (!s) {
      replace(dash, h("p.muted", null, "Waiting for samples…"));
      return;
    }
    const gear = s.gear === -1 ? "R" : s.gear === 0 ? "N" : String(s.gear);
    const at = length
      ? distance(s.track_position * length)
      : `${(s.track_position * 100).toFixed(1)}%`;
    const bar = (cls, v) =>
      h(`div.bar.${cls}`, null, h("span", { style: { width: `${Math.round(v * 100)}%` } }));
    const best = table.bestOf(focus);
    const last = table.lastOf(focus);
    replace(
      dash,
      h("div.readout.big", null, h("b", null, Math.round(s.speed)), h("small", null, "km/h")),
      h("div.readout.big", null, h("b", null, gear), h("small", null, "gear")),
      h("div.readout", null, h("b", null, int(s.rpm)), h("small", null, "rpm")),
      h("div.pedals", null, bar("throttle", s.throttle_position), bar("brake", s.brake_position)),
      h("div.readout", null, h("b", null, `L${s.current_lap}`), h("small", null, at)),
      h("div.readout", null, h("b", null, lapTime(last?.lap_time)), h("small", null, "last lap")),
      h(
        "div.readout.best",
        null,
        h("b", null, lapTime(best?.lap_time)),
        h("small", null, "best lap"),
      ),
    );
  }

  function renderChips() {
    const ids = [...drivers.keys()].sort();
    replace(
      chips,
      ids.map((id) => {
        const d = drivers.get(id);
        const info = h("span.chip-info");
        d.chip = info;
        return h(
          "button.chip",
          {
            type: "button",
            "aria-pressed": String(id === focus),
            style: { "--driver": colorOf(id) },
            onclick: () => setFocus(id),
          },
          h("span.dot"),
          h("span.chip-name", null, id, h("small", null, d.car ?? "")),
          info,
        );
      }),
    );
    updateChips();
  }

  function updateChips() {
    for (const d of drivers.values()) {
      if (!d.chip || !d.latest) continue;
      const best = table.bestOf(d.id);
      d.chip.textContent = `L${d.latest.current_lap} · ${Math.round(d.latest.speed)} km/h${best ? ` · best ${lapTime(best.lap_time)}` : ""}`;
    }
  }

  function renderHead() {
    if (!summary) {
      meta.textContent = "No samples yet: this page shows them as soon as they arrive.";
      return;
    }
    title.textContent = summary.track_name;
    const span =
      summary.first_timestamp && summary.last_timestamp ? ` · ${summary.session_type}` : "";
    meta.textContent = `${sessionId}${span} · ${summary.drivers.length} driver${summary.drivers.length === 1 ? "" : "s"} · ${int(summary.sample_count)} samples · updated ${ago(summary.updated_at)}`;
    document.title = `${summary.track_name} · Rustegrate`;
  }

  function renderBadge() {
    const fresh = Date.now() - lastData < 5000;
    const quiet = ended() ? "ended" : "idle";
    const state = socketState !== "open" ? socketState : fresh ? "live" : quiet;
    badge.dataset.state = state;
    badge.textContent =
      {
        live: "live",
        idle: "connected",
        ended: "ended",
        connecting: "connecting",
        reconnecting: "reconnecting",
        closed: "reconnecting",
      }[state] ?? state;
    document.body.dataset.live = state;
  }

  // --- wiring ---
  const live = openLive(sessionId, LIVE_QUERY, {
    status: (state, detail) => {
      socketState = state;
      notice.hidden = state !== "closed";
      notice.textContent =
        state === "closed" ? `Live connection lost (${detail}); reconnecting…` : "";
      renderBadge();
    },
    snapshot: (msg) => {
      summary = msg.session ?? summary;
      renderHead();
      for (const d of msg.drivers) absorb(d.driver_id, d.samples, d.car_name);
      table.set(msg.laps);
      lapRows = [...msg.laps];
      if (!focus || !drivers.has(focus)) focus = [...drivers.keys()].sort()[0] ?? null;
      pinFinished();
      traces.clear();
      charts.speed.rebuild();
      charts.gear.rebuild();
      renderChips();
      for (const d of msg.drivers) if (d.driver_id === focus) absorb(d.driver_id, d.samples);
      void loadHistory();
      schedule();
    },
    samples: (msg) => {
      lastData = Date.now();
      const isNew = !drivers.has(msg.driver_id);
      absorb(msg.driver_id, msg.samples, msg.car_name);
      if (isNew && !focus) setFocus(msg.driver_id);
    },
    lap: (msg) => {
      table.upsert(msg.lap);
      lapRows = [
        ...lapRows.filter((l) => !(l.driver_id === msg.lap.driver_id && l.lap === msg.lap.lap)),
        msg.lap,
      ];
      schedule();
    },
    error: (msg) => {
      notice.hidden = false;
      notice.textContent = msg.message;
    },
  });

  async function refreshSummary() {
    if (drivers.size === 0) return; // nothing stored yet: the snapshot said so
    try {
      summary = await getJson(sessionPath(sessionId));
      renderHead();
      // A session that ends while the page is open: its charts move to the fastest lap.
      if (pinFinished()) {
        traces.clear();
        void loadHistory();
      }
    } catch (err) {
      if (!(err instanceof ApiError && err.status === 404)) {
        notice.hidden = false;
        notice.textContent = err.message;
      }
    }
  }
  const refresh = setInterval(refreshSummary, 5000);
  const tick = setInterval(renderBadge, 1000);
  renderHead();
  frame();

  return () => {
    live.close();
    clearInterval(refresh);
    clearInterval(tick);
    clearTimeout(frameTimer);
    for (const c of Object.values(charts)) c.destroy();
    delete document.body.dataset.live;
  };
}
