import { getJson, sessionsPath } from "./api.js";
import { h, replace } from "./dom.js";
import { ago, duration, int } from "./format.js";

const LIVE_WITHIN_MS = 30_000;

/** The sessions list, newest first, live ones marked; refreshed every few seconds. */
export function sessionsView(root) {
  const list = h("div.session-list", { id: "sessions" });
  const status = h("p.muted");
  replace(
    root,
    h(
      "header.page-head",
      null,
      h("div.title-row", null, h("h1", null, "Sessions"), status),
      h("p.meta", null, "Live sessions first, then the most recent. Pick one to watch it."),
    ),
    list,
  );

  async function refresh() {
    try {
      const sessions = await getJson(sessionsPath());
      const now = Date.now();
      const isLive = (s) => now - Date.parse(s.updated_at) < LIVE_WITHIN_MS;
      sessions.sort((a, b) => Number(isLive(b)) - Number(isLive(a)));
      status.textContent = `${sessions.length} session${sessions.length === 1 ? "" : "s"}`;
      if (sessions.length === 0) {
        replace(
          list,
          h(
            "div.empty-state",
            null,
            h("h2", null, "No sessions yet"),
            h("p", null, "Stream a simulated one, then watch it here live:"),
            h("pre", null, "pnpm simulate --cars 3 --laps 5 --speedup 20"),
          ),
        );
        return;
      }
      replace(
        list,
        sessions.map((s) => {
          const live = isLive(s);
          const span =
            s.first_timestamp && s.last_timestamp
              ? duration(Date.parse(s.last_timestamp) - Date.parse(s.first_timestamp))
              : "—";
          return h(
            `a.session-card${live ? ".is-live" : ""}`,
            {
              href: `#/session/${encodeURIComponent(s.session_id)}`,
              dataset: { session: s.session_id },
            },
            h(
              "div.card-top",
              null,
              live
                ? h("span.live-badge", { dataset: { state: "live" } }, "live")
                : h("span.ended", null, "ended"),
              h("span.type", null, s.session_type),
              h("span.when", null, ago(s.updated_at, now)),
            ),
            h("h2", null, s.track_name),
            h("p.id", null, s.session_id),
            h(
              "div.card-drivers",
              null,
              s.drivers.map((d) => h("span.driver-tag", { title: d.car_name }, d.driver_id)),
            ),
            h(
              "div.card-stats",
              null,
              h("span", null, h("b", null, int(s.sample_count)), " samples"),
              h("span", null, h("b", null, span), " of data"),
            ),
          );
        }),
      );
    } catch (err) {
      status.textContent = `Could not load sessions: ${err.message}`;
    }
  }

  void refresh();
  const timer = setInterval(refresh, 5000);
  return () => clearInterval(timer);
}
