import { maxIbtBytes } from "../../src/config";
import { memorySource } from "../../src/ibt";
import { readBinaryBody } from "../../src/middleware/binary-body";
import { readJsonBody } from "../../src/middleware/json-body";
import { createApp } from "../../src/router";
import { importRecording } from "../../src/session/import";

export { SessionDO } from "../../src/session/session-do";

/**
 * The bench's Worker: the service itself, plus one no-op endpoint behind the same middleware
 * (request context, admission, auth, the write limit) that reads and parses a JSON body and
 * answers as ingest does, storing nothing. Bulk ingest is measured against it in the same run:
 * what ingest costs beyond receiving and parsing the same bodies. A second one receives an
 * `.ibt` upload as `POST /ibt` does (streamed and hashed) and stores nothing: the floor of an
 * import through this server.
 */
const app = createApp()
  .post("/api/v1/bench/parse", async (c) => {
    const body = (await readJsonBody(c)) as { samples?: unknown[] };
    return c.json({ accepted: body.samples?.length ?? 0 }, 201);
  })
  .post("/api/v1/bench/upload", async (c) => {
    const body = await readBinaryBody(c, maxIbtBytes(c.env));
    return c.json({ bytes: body.size, sha256: await body.sha256() }, 201);
  })
  .post("/api/v1/bench/import", async (c) => {
    // The recording imported `n` times from memory, each time into a session of its own.
    const bytes = new Uint8Array(await c.req.arrayBuffer());
    const n = Number(c.req.query("n") ?? 1);
    const tag = crypto.randomUUID().slice(0, 8);
    let samples = 0;
    for (let i = 0; i < n; i++) {
      const outcome = await importRecording(c.env, {
        source: memorySource(bytes),
        sha256: async () => `${tag}-${i}`,
        sessionId: `bench-import-${tag}-${i}`,
      });
      if (!outcome.ok) return c.json(outcome, 503);
      samples += outcome.result.samples;
    }
    return c.json({ samples }, 201);
  });

export default { fetch: app.fetch } satisfies ExportedHandler<Env>;
