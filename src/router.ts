import { createRouter } from "./app";
import { requestContext } from "./middleware/request-context";
import { docsRoutes } from "./routes/docs";
import { driverRoutes } from "./routes/drivers";
import { healthRoutes } from "./routes/health";
import { racingRoutes } from "./routes/racing";
import { sessionRoutes } from "./routes/sessions";
import { telemetryRoutes } from "./routes/telemetry";

/** Assembles the API: shared middleware first, then one router per resource. */
export function createApp() {
  return createRouter()
    .use(requestContext())
    .route("/api/v1/health", healthRoutes)
    .route("/api/v1/telemetry", telemetryRoutes)
    .route("/api/v1/sessions", sessionRoutes)
    .route("/api/v1/drivers", driverRoutes)
    .route("/api/v1/racing", racingRoutes)
    .route("/", docsRoutes);
}
