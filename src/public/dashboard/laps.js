import { h, replace } from "./dom.js";
import { delta, lapTime } from "./format.js";

/** `driver:lap`, the key of a lap in the table and in comparison links. */
export const lapKey = (l) => `${l.driver_id}:${l.lap}`;

/** Timed laps, fastest first. */
export function ranked(laps) {
  return laps.filter((l) => l.timed && l.lap_time !== null).sort((a, b) => a.lap_time - b.lap_time);
}

/**
 * The two laps worth comparing first: the fastest lap and the fastest of another driver (or,
 * with one driver, that driver's second-fastest lap). Null without two timed laps.
 */
export function bestPair(laps) {
  const [first, ...rest] = ranked(laps);
  const second = rest.find((l) => l.driver_id !== first?.driver_id) ?? rest[0];
  return first && second ? [first, second] : null;
}

/**
 * The lap table, newest lap first: each driver's best lap in green, the session's fastest
 * highlighted in purple. Two rows can be picked and compared (`onCompare(keyA, keyB)`).
 */
export function lapTable(container, { colorOf, onCompare }) {
  const laps = new Map();
  let picked = [];
  const tbody = h("tbody");
  const compare = h(
    "button.button.primary",
    { type: "button", disabled: true, onclick: () => onCompare(picked[0], picked[1]) },
    "Compare selected",
  );
  const best = h(
    "button.button",
    {
      type: "button",
      disabled: true,
      title: "The fastest lap against the fastest lap of another driver",
      onclick: () => {
        const pair = bestPair([...laps.values()]);
        if (pair) onCompare(lapKey(pair[0]), lapKey(pair[1]));
      },
    },
    "Compare best laps",
  );
  const table = h(
    "table.laps",
    { id: "lap-table" },
    h(
      "thead",
      null,
      h(
        "tr",
        null,
        h("th.pick", { title: "Pick two laps to compare" }, "⇄"),
        h("th.driver", null, "Driver"),
        h("th.num.lap-col", null, "Lap"),
        h("th.num.time-col", null, "Time"),
        h("th.num.gap-col", null, "Gap"),
        h("th.num.wide", null, "Top speed"),
      ),
    ),
    tbody,
  );
  container.append(
    h("div.panel-head", null, h("h2", null, "Laps"), h("div.actions", null, best, compare)),
    h("div.table-scroll", null, table),
  );

  function render() {
    const all = [...laps.values()];
    const rows = all.sort(
      (a, b) =>
        Date.parse(b.end_time) - Date.parse(a.end_time) || a.driver_id.localeCompare(b.driver_id),
    );
    const fastest = ranked(all);
    const top = fastest[0] ?? null;
    const personal = new Map();
    for (const l of fastest) if (!personal.has(l.driver_id)) personal.set(l.driver_id, l);
    picked = picked.filter((k) => laps.has(k));
    table.dataset.rows = String(rows.length);
    table.dataset.best = top ? lapKey(top) : "";
    if (rows.length === 0) {
      replace(tbody, h("tr.empty", null, h("td", { colspan: 6 }, "No completed laps yet")));
    } else {
      replace(
        tbody,
        rows.map((l) => row(l, top, personal.get(l.driver_id) === l)),
      );
    }
    compare.disabled = picked.length !== 2;
    best.disabled = bestPair(all) === null;
  }

  function row(l, top, isPersonalBest) {
    const key = lapKey(l);
    const isBest = top !== null && lapKey(top) === key;
    const box = h("input", {
      type: "checkbox",
      "aria-label": `Compare ${l.driver_id} lap ${l.lap}`,
      disabled: !l.timed,
      onchange: (e) => {
        picked = e.target.checked ? [...picked, key].slice(-2) : picked.filter((p) => p !== key);
        render();
      },
    });
    box.checked = picked.includes(key);
    const classes = `${isBest ? ".best" : ""}${isPersonalBest ? ".pb" : ""}${l.timed ? "" : ".untimed"}`;
    return h(
      `tr${classes}`,
      { dataset: { key } },
      h("td.pick", null, box),
      h(
        "td.driver",
        { title: l.driver_id },
        h("span.dot", { style: { background: colorOf(l.driver_id) } }),
        l.driver_id,
      ),
      h("td.num", null, l.lap),
      h(
        "td.num.time",
        { title: `${l.time_source} time` },
        l.timed ? lapTime(l.lap_time) : "untimed",
        isBest ? h("span.badge.best-badge", null, "fastest") : null,
      ),
      h(
        "td.num.gap-col.muted",
        null,
        isBest || !l.timed || !top ? "" : delta(l.lap_time - top.lap_time),
      ),
      h("td.num.wide.muted", null, l.max_speed ? `${Math.round(l.max_speed)} km/h` : "—"),
    );
  }

  render();
  return {
    /** Replaces every lap (a snapshot). */
    set(list) {
      laps.clear();
      for (const l of list) laps.set(lapKey(l), l);
      render();
    },
    /** Adds or revises one lap (a live lap event). */
    upsert(l) {
      laps.set(lapKey(l), l);
      render();
    },
    /** Draws again (driver colours change as drivers appear). */
    refresh: render,
    /** A driver's fastest timed lap. */
    bestOf(driverId) {
      return ranked([...laps.values()]).find((l) => l.driver_id === driverId) ?? null;
    },
    /** A driver's most recent lap. */
    lastOf(driverId) {
      let last = null;
      for (const l of laps.values()) {
        if (l.driver_id === driverId && (!last || l.lap > last.lap)) last = l;
      }
      return last;
    },
  };
}
