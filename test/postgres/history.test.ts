import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import postgres from "postgres";
import { afterAll, describe, expect, it } from "vitest";
import { sessionStub } from "../../src/session/client";
import type { SessionDO } from "../../src/session/session-do";
import { pgHistory } from "../../src/storage/pg/history";
import { api, batchBody, getJson, post, series, uniqueId } from "../helpers/api";
import { flushSessions } from "../helpers/flush";

// Runs in the worker-postgres project only: history is in the Postgres of env.HYPERDRIVE.
const hyperdrive = env.HYPERDRIVE as Hyperdrive;
const sql = postgres(hyperdrive.connectionString, { max: 1, fetch_types: false });
afterAll(() => sql.end({ timeout: 5 }));

const T0 = Date.UTC(2024, 4, 1, 12);

async function d1Count(table: string, sessionId: string): Promise<number> {
  const row = await env.DB.prepare(`SELECT count(*) AS n FROM ${table} WHERE session_id = ?`)
    .bind(sessionId)
    .first<{ n: number }>();
  return row?.n ?? 0;
}

describe("history in Postgres", () => {
  it("writes chunks, laps, sessions and the catalog to Postgres and nothing to D1", async () => {
    const sessionId = uniqueId("pg");
    const track = uniqueId("Pg Track");
    const samples = series(T0, 240, 60, (i) => ({
      current_lap: i < 120 ? 1 : 2,
      track_position: (i % 120) / 120,
    }));
    const res = await post(
      `/api/v1/sessions/${sessionId}/telemetry`,
      batchBody(samples, { track_name: track }),
    );
    expect(res.status).toBe(201);
    await flushSessions(sessionId);

    const [session] = await sql`
      SELECT track_name, sample_count, first_ts, pg_typeof(first_ts)::text AS first_type
      FROM sessions WHERE session_id = ${sessionId}`;
    expect(session).toMatchObject({
      track_name: track,
      sample_count: 240,
      first_type: "timestamp with time zone",
    });
    expect((session as { first_ts: Date }).first_ts.getTime()).toBe(T0);
    const chunks = await sql`
      SELECT sample_count, lap_first, pg_typeof(data)::text AS data_type
      FROM chunks WHERE session_id = ${sessionId} ORDER BY first_ts`;
    expect(chunks.map((c) => c.sample_count).reduce((a, b) => a + b, 0)).toBe(240);
    expect(chunks.every((c) => c.data_type === "bytea")).toBe(true);
    const [tracks] = await sql`SELECT count(*)::int AS n FROM tracks WHERE name = ${track}`;
    expect(tracks?.n).toBe(1);
    const [drivers] = await sql`
      SELECT count(*)::int AS n FROM session_drivers WHERE session_id = ${sessionId}`;
    expect(drivers?.n).toBe(1);

    for (const table of ["sessions", "chunks", "laps", "session_drivers"]) {
      expect(await d1Count(table, sessionId)).toBe(0);
    }
    const { body } = await getJson<{ timestamp: string }[]>(
      `/api/v1/drivers/driver-1/telemetry?start_time=${new Date(T0).toISOString()}&limit=5`,
    );
    expect(body.length).toBeGreaterThan(0);
  });

  it("acknowledges ingest while Postgres is unreachable and catches up once it is back", async () => {
    const sessionId = uniqueId("pg-down");
    const stub = sessionStub(env, sessionId);
    await runInDurableObject(stub, (instance: SessionDO) => {
      instance.historyStore = pgHistory("postgres://u:p@127.0.0.1:1/db");
    });
    const samples = series(T0, 120);
    const res = await post(`/api/v1/sessions/${sessionId}/telemetry`, batchBody(samples));
    expect(res.status).toBe(201);
    // The flush fails and is retried later; the session reads its own writes meanwhile.
    await runDurableObjectAlarm(stub);
    const [none] = await sql`SELECT count(*)::int AS n FROM chunks WHERE session_id = ${sessionId}`;
    expect(none?.n).toBe(0);
    const { body: read } = await getJson<unknown[]>(
      `/api/v1/sessions/${sessionId}/telemetry?limit=1000`,
    );
    expect(read).toHaveLength(120);

    await runInDurableObject(stub, (instance: SessionDO) => {
      instance.historyStore = pgHistory(hyperdrive.connectionString);
    });
    await flushSessions(sessionId);
    const [some] = await sql`
      SELECT coalesce(sum(sample_count), 0)::int AS n FROM chunks WHERE session_id = ${sessionId}`;
    expect(some?.n).toBe(120);
    const res2 = await api(`/api/v1/sessions/${sessionId}`);
    expect((await res2.json<{ sample_count: number }>()).sample_count).toBe(120);
  });
});
