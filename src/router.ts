import { createRouter } from "./app";
import { admission } from "./middleware/admission";
import { guard } from "./middleware/auth";
import { cors } from "./middleware/cors";
import { history } from "./middleware/history";
import { requestContext } from "./middleware/request-context";
import { securityHeaders } from "./middleware/security-headers";
import { docsRoutes } from "./routes/docs";
import { driverRoutes } from "./routes/drivers";
import { healthRoutes } from "./routes/health";
import { ibtRoutes } from "./routes/ibt";
import { liveRoutes } from "./routes/live";
import { racingRoutes } from "./routes/racing";
import { sessionRoutes } from "./routes/sessions";
import { telemetryRoutes } from "./routes/telemetry";

/**
 * Assembles the API: request context, security headers and CORS first, then the public routes (health, the OpenAPI
 * document; the dashboard and /docs are static assets, served before the Worker runs), then admission control, auth and rate limits, then one router per resource.
 */
export function createApp() {
  return createRouter()
    .use(requestContext())
    .use(securityHeaders())
    .use("/api/*", cors())
    .use("/api/*", history())
    .route("/api/v1/health", healthRoutes)
    .route("/", docsRoutes)
    .use("/api/v1/*", admission())
    .use("/api/v1/*", guard())
    .route("/api/v1/telemetry", telemetryRoutes)
    .route("/api/v1/ibt", ibtRoutes)
    .route("/api/v1/sessions", sessionRoutes)
    .route("/api/v1/sessions", liveRoutes)
    .route("/api/v1/drivers", driverRoutes)
    .route("/api/v1/racing", racingRoutes);
}
