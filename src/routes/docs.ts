import { etag } from "hono/etag";
import { createRouter } from "../app";
import { openApiDocument } from "../openapi";

let cached: ReturnType<typeof openApiDocument> | undefined;

/**
 * `/api/v1/openapi.json`. The readable reference at `/docs` that renders it is a static asset
 * (src/public/docs.html with Scalar's pinned build).
 */
export const docsRoutes = createRouter()
  .use("/api/v1/openapi.json", etag())
  .get("/api/v1/openapi.json", (c) => {
    cached ??= openApiDocument();
    // Changes only with a deploy: kept an hour, then revalidated (a 304 while unchanged).
    return c.json(cached, 200, { "Cache-Control": "public, max-age=3600" });
  });
