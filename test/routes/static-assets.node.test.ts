import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { randomToken } from "../../scripts/dev-vars";
import { type DevServer, startDevServer } from "../helpers/dev-server";

/**
 * The dashboard and the /docs page are Workers Static Assets (wrangler.toml [assets], headers
 * in src/public/_headers), served in front of the Worker: checked against `pnpm dev`, which runs
 * the same asset router a deployment does.
 */

let server: DevServer;

beforeAll(async () => {
  server = await startDevServer({ INGEST_TOKEN: randomToken(), ADMIN_TOKEN: randomToken() });
}, 150_000);

afterAll(async () => {
  await server?.stop();
});

const get = (path: string, headers: Record<string, string> = {}) =>
  fetch(`${server.base}${path}`, { headers, redirect: "manual" });

describe("the dashboard, served as static assets", () => {
  it("serves the page at / with its content security policy, without a token", async () => {
    const res = await get("/");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/html/);
    const csp = res.headers.get("content-security-policy") ?? "";
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("connect-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toMatch(/script-src[^;]*(unsafe|https?:|\*)/);
    expect(res.headers.get("x-content-type-options")).toBe("nosniff");
    expect(res.headers.get("x-frame-options")).toBe("DENY");
    const html = await res.text();
    expect(html).toContain('<script src="/dashboard/app.js" type="module"></script>');
    expect(html).toContain("/dashboard/vendor/uPlot.iife.min.js");
    expect(html).not.toMatch(/(src|href)="(https?:)?\/\//);
  });

  it("serves its modules, styles and uPlot from the npm package", async () => {
    const app = await get("/dashboard/app.js");
    expect(app.status).toBe(200);
    expect(app.headers.get("content-type")).toMatch(/javascript/);
    expect(await app.text()).toContain('from "./session-view.js"');
    const uplot = await get("/dashboard/vendor/uPlot.iife.min.js");
    expect(uplot.status).toBe(200);
    expect(await uplot.text()).toMatch(/uPlot/);
    const css = await get("/dashboard/styles.css");
    expect(css.headers.get("content-type")).toMatch(/^text\/css/);
    expect(await css.text()).toContain("prefers-color-scheme: dark");
  });

  it("revalidates every file on use and answers 304 to the same ETag", async () => {
    const first = await get("/dashboard/charts.js");
    await first.arrayBuffer();
    const tag = first.headers.get("etag");
    expect(tag).toBeTruthy();
    expect(first.headers.get("cache-control")).toBe("no-cache");
    const again = await get("/dashboard/charts.js", { "If-None-Match": tag ?? "" });
    expect(again.status).toBe(304);
  });

  it("leaves a path it has no file for to the Worker: the API's JSON 404", async () => {
    const res = await get("/dashboard/nope.js");
    expect(res.status).toBe(404);
    expect(res.headers.get("content-type")).toMatch(/application\/json/);
    expect(await res.json()).toMatchObject({ code: "not_found" });
  });
});

describe("the /docs reference page", () => {
  it("is served with Scalar's pinned build from this origin, under a strict CSP", async () => {
    const res = await get("/docs");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/html/);
    const html = await res.text();
    expect(html).toContain('data-url="/api/v1/openapi.json"');
    expect(html).not.toMatch(/(src|href)="(https?:)?\/\//);
    expect(html).not.toMatch(/<script>(?!<\/script>)/); // no inline script
    const csp = res.headers.get("content-security-policy") ?? "";
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toMatch(/script-src[^;]*(unsafe|https?:|\*)/);

    const script = await get("/docs/scalar.js");
    expect(script.status).toBe(200);
    expect(script.headers.get("content-type")).toMatch(/javascript/);
    expect(script.headers.get("etag")).toBeTruthy();
    expect((await script.arrayBuffer()).byteLength).toBeGreaterThan(1_000_000);
  });
});
