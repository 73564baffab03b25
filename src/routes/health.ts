import { createRouter } from "../app";
import { VERSION } from "../version";

interface Check {
  status: "ok" | "error";
  latency_ms: number;
  error?: string;
}

/**
 * Health: the service and its history back end (D1, or Postgres through Hyperdrive); 503 with
 * status "degraded" when history cannot be reached (ingest still acknowledges meanwhile). The
 * check is reported under `history` (with its `backend`) and under the back end's own name.
 */
export const healthRoutes = createRouter().get("/", async (c) => {
  const history = c.var.history();
  const started = performance.now();
  let check: Check;
  try {
    await history.ping();
    check = { status: "ok", latency_ms: elapsed(started) };
  } catch (err) {
    check = { status: "error", latency_ms: elapsed(started), error: (err as Error).message };
  }
  const ok = check.status === "ok";
  return c.json(
    {
      status: ok ? "ok" : "degraded",
      version: VERSION,
      checks: { [history.backend]: check, history: { backend: history.backend, ...check } },
    },
    ok ? 200 : 503,
  );
});

function elapsed(started: number): number {
  return Math.round((performance.now() - started) * 100) / 100;
}
