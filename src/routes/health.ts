import { createRouter } from "../app";
import { VERSION } from "../version";

/** Health: the service and its D1 dependency; 503 when a dependency fails. */
export const healthRoutes = createRouter().get("/", async (c) => {
  const started = performance.now();
  let d1: { status: "ok" | "error"; latency_ms: number; error?: string };
  try {
    await c.env.DB.prepare("SELECT 1").first();
    d1 = { status: "ok", latency_ms: elapsed(started) };
  } catch (err) {
    d1 = { status: "error", latency_ms: elapsed(started), error: (err as Error).message };
  }
  const ok = d1.status === "ok";
  return c.json(
    { status: ok ? "ok" : "degraded", version: VERSION, checks: { d1 } },
    ok ? 200 : 503,
  );
});

function elapsed(started: number): number {
  return Math.round((performance.now() - started) * 100) / 100;
}
