import { svg } from "./dom.js";

const BINS = 720;

/**
 * An SVG track map: the outline is learnt from cars' positions (binned by lap fraction, so any
 * car on any lap fills it in), with a marker per car and an optional cursor marker.
 */
export function trackMap(container) {
  const outline = new Array(BINS).fill(null);
  let filled = 0;
  let dirty = false;
  let scale = 1;
  /** The middle of the drawn track: a car right of it has its name on its left. */
  let midX = 0;
  const root = svg("svg", {
    class: "trackmap",
    viewBox: "0 0 100 100",
    preserveAspectRatio: "xMidYMid meet",
    role: "img",
    "aria-label": "Track map",
  });
  const casing = svg("path", { class: "track-casing" });
  const tarmac = svg("path", { class: "track" });
  const line = svg("circle", { class: "start", r: 0 });
  const cars = svg("g");
  const cursor = svg("circle", { class: "cursor", r: 0 });
  root.append(casing, tarmac, line, cars, cursor);
  container.append(root);
  const markers = new Map();

  function learn(xs, ys, fractions) {
    for (let i = 0; i < fractions.length; i++) {
      const f = fractions[i];
      const x = xs[i];
      const y = ys[i];
      if (!(f >= 0 && f <= 1) || !Number.isFinite(x) || !Number.isFinite(y)) continue;
      const bin = Math.min(BINS - 1, Math.floor(f * BINS));
      if (outline[bin] === null) filled++;
      outline[bin] = [x, -y]; // north up: SVG's y grows downwards
      dirty = true;
    }
  }

  function render() {
    if (!dirty) return;
    dirty = false;
    const pts = outline.filter(Boolean);
    if (pts.length < 2) return;
    const xs = pts.map((p) => p[0]);
    const ys = pts.map((p) => p[1]);
    const [minX, maxX, minY, maxY] = [
      Math.min(...xs),
      Math.max(...xs),
      Math.min(...ys),
      Math.max(...ys),
    ];
    const size = Math.max(maxX - minX, maxY - minY, 1);
    midX = (minX + maxX) / 2;
    const pad = size * 0.08;
    scale = size;
    root.setAttribute(
      "viewBox",
      `${minX - pad} ${minY - pad} ${maxX - minX + 2 * pad} ${maxY - minY + 2 * pad}`,
    );
    let d = "";
    let gap = true;
    for (let b = 0; b < BINS; b++) {
      const p = outline[b];
      if (!p) {
        gap = true;
        continue;
      }
      d += `${gap ? "M" : "L"}${p[0].toFixed(1)} ${p[1].toFixed(1)}`;
      gap = false;
    }
    if (filled > BINS * 0.97 && outline[0]) d += "Z";
    casing.setAttribute("d", d);
    tarmac.setAttribute("d", d);
    const first = outline[0] ?? pts[0];
    line.setAttribute("cx", first[0]);
    line.setAttribute("cy", first[1]);
    line.setAttribute("r", (size * 0.012).toFixed(2));
    for (const m of markers.values()) place(m);
  }

  function place(m) {
    const r = scale * (m.focused ? 0.022 : 0.016);
    m.dot.setAttribute("cx", m.x);
    m.dot.setAttribute("cy", m.y);
    m.dot.setAttribute("r", r.toFixed(2));
    m.dot.setAttribute("stroke-width", (r * 0.35).toFixed(2));
    // Named on the side with room, so a car near the map's right edge keeps its whole name.
    const left = m.x > midX;
    m.label.setAttribute("x", (m.x + (left ? -1.6 : 1.6) * r).toFixed(1));
    m.label.setAttribute("text-anchor", left ? "end" : "start");
    m.label.setAttribute("y", (m.y + r * 0.6).toFixed(1));
    m.label.setAttribute("font-size", (scale * 0.045).toFixed(2));
  }

  return {
    /** Learns the outline from positions and their lap fractions. */
    learn,
    /** Draws whatever changed since the last call. */
    render,
    /** True once most of the lap is known. */
    get complete() {
      return filled > BINS * 0.9;
    },
    /** Moves (or adds) a car's marker. */
    car(id, x, y, color, focused = false) {
      let m = markers.get(id);
      if (!m) {
        const g = svg("g", { class: "car" });
        const dot = svg("circle", { fill: color });
        const label = svg("text", { fill: color });
        label.textContent = id;
        g.append(dot, label);
        cars.append(g);
        m = { g, dot, label };
        markers.set(id, m);
      }
      Object.assign(m, { x, y: -y, focused });
      // Only the focused car is named: labels of cars running together would overlap.
      m.label.style.display = focused ? "" : "none";
      m.g.classList.toggle("focused", focused);
      if (focused) cars.append(m.g); // on top
      place(m);
    },
    /** Shows the cursor marker at a position, or hides it with null. */
    cursor(x, y) {
      const show = Number.isFinite(x) && Number.isFinite(y);
      cursor.setAttribute("r", show ? (scale * 0.02).toFixed(2) : 0);
      if (show) {
        cursor.setAttribute("cx", x);
        cursor.setAttribute("cy", -y);
      }
    },
  };
}
