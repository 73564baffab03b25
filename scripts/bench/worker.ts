import { DurableObject } from "cloudflare:workers";
import { maxIbtBytes } from "../../src/config";
import { idsAt, prepareBatch } from "../../src/domain/ingest";
import { memorySource } from "../../src/ibt";
import { readBinaryBody } from "../../src/middleware/binary-body";
import { readIngestBody, readJsonBody } from "../../src/middleware/json-body";
import { parseOrThrow } from "../../src/middleware/validate";
import { createApp } from "../../src/router";
import { fastBatch, fastSessionId } from "../../src/schemas/fast";
import { SessionIdParam } from "../../src/schemas/query";
import { TelemetryBatch } from "../../src/schemas/telemetry";
import { importRecording } from "../../src/session/import";
import { packRequest, type WireIngestRequest } from "../../src/session/wire";

export { SessionDO } from "../../src/session/session-do";

/**
 * The bench's Worker: the service itself, plus one no-op endpoint behind the same middleware
 * (request context, admission, auth, the write limit) that reads and parses a JSON body and
 * answers as ingest does, storing nothing. Bulk ingest is measured against it in the same run:
 * what ingest costs beyond receiving and parsing the same bodies. A second one receives an
 * `.ibt` upload as `POST /ibt` does (streamed and hashed) and stores nothing: the floor of an
 * import through this server.
 *
 * The third, `POST /api/v1/bench/commit/{session_id}`, is live ingest's floor: the Worker's
 * whole ingest path (body, validation, the packed request sent over RPC to an object of the
 * session's name) with the object doing nothing but one small durable write (CommitFloor)
 * before it answers. Any design that acknowledges a batch from a commit in the session's object
 * costs at least this; live ingest beside it shows what the session object's own work adds.
 */

/** The session object reduced to what every acknowledgement needs: one durable commit. */
export class CommitFloor extends DurableObject<Env> {
  async commit(req: WireIngestRequest): Promise<number> {
    this.ctx.storage.kv.put("last", req.receivedAt);
    return req.receivedAt;
  }
}

type BenchEnv = Env & { COMMIT_FLOOR: DurableObjectNamespace<CommitFloor> };

const app = createApp()
  .post("/api/v1/bench/parse", async (c) => {
    const body = (await readJsonBody(c)) as { samples?: unknown[] };
    return c.json({ accepted: body.samples?.length ?? 0 }, 201);
  })
  .post("/api/v1/bench/commit/:session_id", async (c) => {
    const param = { session_id: c.req.param("session_id") };
    const { session_id } = fastSessionId(param) ?? parseOrThrow(SessionIdParam, param);
    const { body } = await readIngestBody(c);
    const batch = fastBatch(body) ?? parseOrThrow(TelemetryBatch, body);
    const prepared = prepareBatch(session_id, batch, Date.now());
    const floor = (c.env as BenchEnv).COMMIT_FLOOR;
    const receivedAt = await floor
      .get(floor.idFromName(session_id))
      .commit(packRequest(prepared.request));
    return c.json(
      { ids: idsAt(prepared, receivedAt), accepted: batch.samples.length, duplicates: 0 },
      201,
    );
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
