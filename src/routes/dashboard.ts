import type { Context } from "hono";
import { etag } from "hono/etag";
import uplotJs from "uplot/dist/uPlot.iife.min.js";
import uplotCss from "uplot/dist/uPlot.min.css";
import { type AppEnv, createRouter } from "../app";
import page from "../dashboard/index.html";
import api from "../dashboard/ui/api.js";
import app from "../dashboard/ui/app.js";
import charts from "../dashboard/ui/charts.js";
import compareView from "../dashboard/ui/compare-view.js";
import dom from "../dashboard/ui/dom.js";
import favicon from "../dashboard/ui/favicon.svg";
import format from "../dashboard/ui/format.js";
import lapmath from "../dashboard/ui/lapmath.js";
import laps from "../dashboard/ui/laps.js";
import live from "../dashboard/ui/live.js";
import sessionView from "../dashboard/ui/session-view.js";
import sessionsView from "../dashboard/ui/sessions-view.js";
import styles from "../dashboard/ui/styles.css";
import trackmap from "../dashboard/ui/trackmap.js";
import upload from "../dashboard/ui/upload.js";
import uplot from "../dashboard/ui/uplot.js";
import { ApiError } from "../errors";

const JS = "text/javascript; charset=UTF-8";
const CSS = "text/css; charset=UTF-8";

/** Every file under /dashboard/, bundled into the Worker as text. */
const FILES: Record<string, { body: string; type: string }> = {
  "api.js": { body: api, type: JS },
  "app.js": { body: app, type: JS },
  "charts.js": { body: charts, type: JS },
  "compare-view.js": { body: compareView, type: JS },
  "dom.js": { body: dom, type: JS },
  "favicon.svg": { body: favicon, type: "image/svg+xml" },
  "format.js": { body: format, type: JS },
  "lapmath.js": { body: lapmath, type: JS },
  "laps.js": { body: laps, type: JS },
  "live.js": { body: live, type: JS },
  "session-view.js": { body: sessionView, type: JS },
  "sessions-view.js": { body: sessionsView, type: JS },
  "styles.css": { body: styles, type: CSS },
  "trackmap.js": { body: trackmap, type: JS },
  "upload.js": { body: upload, type: JS },
  "uplot.js": { body: uplot, type: JS },
  "vendor/uPlot.iife.min.js": { body: uplotJs, type: JS },
  "vendor/uPlot.min.css": { body: uplotCss, type: CSS },
};

// Only our own scripts; uPlot sets inline styles on its elements.
const CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
].join("; ");

function serve(c: Context<AppEnv>, body: string, type: string) {
  return c.body(body, 200, {
    "Content-Type": type,
    // Revalidate every time (an ETag makes that a 304): a deploy is visible at once.
    "Cache-Control": "no-cache",
    "X-Content-Type-Options": "nosniff",
  });
}

/** The dashboard: the page at `/` and its scripts, styles and uPlot under `/dashboard/`. */
export const dashboardRoutes = createRouter()
  .use("/", etag())
  .use("/dashboard/*", etag())
  .get("/", (c) => {
    c.header("Content-Security-Policy", CSP);
    return serve(c, page, "text/html; charset=UTF-8");
  })
  .get("/dashboard/*", (c) => {
    const file = FILES[c.req.path.slice("/dashboard/".length)];
    if (!file) throw new ApiError("not_found", `No dashboard file ${c.req.path}`);
    return serve(c, file.body, file.type);
  });
