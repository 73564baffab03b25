import { readJsonBody } from "../../src/middleware/json-body";
import { createApp } from "../../src/router";

export { SessionDO } from "../../src/session/session-do";

/**
 * The bench's Worker: the service itself, plus one no-op endpoint behind the same middleware
 * (request context, admission, auth, the write limit) that reads and parses a JSON body and
 * answers as ingest does, storing nothing. Bulk ingest is measured against it in the same run:
 * what ingest costs beyond receiving and parsing the same bodies.
 */
const app = createApp().post("/api/v1/bench/parse", async (c) => {
  const body = (await readJsonBody(c)) as { samples?: unknown[] };
  return c.json({ accepted: body.samples?.length ?? 0 }, 201);
});

export default { fetch: app.fetch } satisfies ExportedHandler<Env>;
