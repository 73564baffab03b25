import { describe, expect, it } from "vitest";
import { createApp } from "../../src/router";
import { getJson } from "../helpers/api";

// biome-ignore lint/suspicious/noExplicitAny: walking a JSON document of known shape
type Json = Record<string, any>;

describe("API documentation", () => {
  it("serves an OpenAPI 3.1 document generated from the validating schemas", async () => {
    const { res, body } = await getJson<Json>("/api/v1/openapi.json");
    expect(res.status).toBe(200);
    expect(body.openapi).toBe("3.1.0");
    expect(Object.keys(body.paths)).toEqual(
      expect.arrayContaining([
        "/api/v1/telemetry",
        "/api/v1/telemetry/{id}",
        "/api/v1/sessions/{session_id}/telemetry",
        "/api/v1/drivers/{driver_id}/telemetry",
        "/api/v1/racing/tracks",
      ]),
    );
    // Named schemas are components, referenced where they are used.
    const deref = (schema: Json): Json => {
      const ref = schema.$ref as string | undefined;
      if (!ref) return schema;
      const name = ref.replace("#/components/schemas/", "");
      expect(body.components.schemas[name], ref).toBeDefined();
      return body.components.schemas[name];
    };
    const batch = deref(
      body.paths["/api/v1/sessions/{session_id}/telemetry"].post.requestBody.content[
        "application/json"
      ].schema,
    );
    expect(batch.required).toEqual(expect.arrayContaining(["driver_id", "samples"]));
    const sample = deref(batch.properties.samples.items);
    expect(sample.properties.throttle_position).toMatchObject({ minimum: 0, maximum: 1 });
    expect(sample.additionalProperties).toBe(false);
    const limit = body.paths["/api/v1/drivers/{driver_id}/telemetry"].get.parameters.find(
      (p: Json) => p.name === "limit",
    );
    expect(limit.schema).toMatchObject({ maximum: 10000, default: 100 });
    // The record is written once, as a component, not inlined in every read that returns it.
    expect(body.components.schemas.TelemetryRecord.properties.tire_temps_fl).toBeDefined();
    expect(JSON.stringify(body.paths)).not.toContain('"tire_temps_fl"');
  });

  it("documents every API route the app serves", async () => {
    const { body } = await getJson<Json>("/api/v1/openapi.json");
    const served = createApp()
      // Every API route but the document itself.
      .routes.filter(
        (r) =>
          r.path.startsWith("/api/v1/") && r.method !== "ALL" && r.path !== "/api/v1/openapi.json",
      )
      .map((r) => `${r.method} ${r.path.replace(/:(\w+)/g, "{$1}")}`);
    const documented = Object.entries(body.paths).flatMap(([path, item]) =>
      Object.keys(item as Json).map((method) => `${method.toUpperCase()} ${path}`),
    );
    expect(served.length).toBeGreaterThan(10);
    expect(documented).toEqual(expect.arrayContaining([...new Set(served)]));
  });
});
