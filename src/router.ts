import { createRouter } from "./app";
import { requestContext } from "./middleware/request-context";
import { healthRoutes } from "./routes/health";

/** Assembles the API: shared middleware first, then one router per resource. */
export function createApp() {
  return createRouter().use(requestContext()).route("/api/v1/health", healthRoutes);
}
