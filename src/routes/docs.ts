import { Scalar } from "@scalar/hono-api-reference";
import { createRouter } from "../app";
import { openApiDocument } from "../openapi";

let cached: ReturnType<typeof openApiDocument> | undefined;

/** `/api/v1/openapi.json` and the readable reference at `/docs`. */
export const docsRoutes = createRouter()
  .get("/api/v1/openapi.json", (c) => {
    cached ??= openApiDocument();
    return c.json(cached);
  })
  .get("/docs", Scalar({ url: "/api/v1/openapi.json", pageTitle: "Rustegrate API" }));
