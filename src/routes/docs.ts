import { etag } from "hono/etag";
import scalarJs from "../../node_modules/@scalar/api-reference/dist/browser/standalone.js";
import { version as scalarVersion } from "../../node_modules/@scalar/api-reference/package.json";
import { createRouter } from "../app";
import page from "../docs/index.html";
import { openApiDocument } from "../openapi";

let cached: ReturnType<typeof openApiDocument> | undefined;

// The reference page runs Scalar's pinned build from this Worker and nothing else: no inline
// script, no third-party origin, no fonts from elsewhere (the read token the dashboard keeps
// in this origin's localStorage is never exposed to another origin's code).
const CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "form-action 'none'",
].join("; ");

/** `/api/v1/openapi.json`, and the readable reference at `/docs` with its script. */
export const docsRoutes = createRouter()
  .use("/api/v1/openapi.json", etag())
  .get("/api/v1/openapi.json", (c) => {
    cached ??= openApiDocument();
    // Changes only with a deploy: kept an hour, then revalidated (a 304 while unchanged).
    return c.json(cached, 200, { "Cache-Control": "public, max-age=3600" });
  })
  .get("/docs", (c) =>
    c.html(page, 200, { "Content-Security-Policy": CSP, "Cache-Control": "no-cache" }),
  )
  .get("/docs/scalar.js", (c) =>
    c.body(scalarJs, 200, {
      "Content-Type": "text/javascript; charset=UTF-8",
      // The file changes only with the pinned version (package.json).
      "Cache-Control": "public, max-age=86400",
      ETag: `"scalar-${scalarVersion}"`,
    }),
  );
