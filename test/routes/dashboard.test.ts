import { describe, expect, it } from "vitest";
import { rawApi } from "../helpers/api";

describe("the dashboard", () => {
  it("serves the page at / with a content security policy, without a token", async () => {
    const res = await rawApi("/");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/html; charset=UTF-8");
    expect(res.headers.get("content-security-policy")).toContain("script-src 'self'");
    const html = await res.text();
    expect(html).toContain('<script src="/dashboard/app.js" type="module"></script>');
    expect(html).toContain("/dashboard/vendor/uPlot.iife.min.js");
  });

  it("serves its modules, styles and uPlot from the npm package", async () => {
    const app = await rawApi("/dashboard/app.js");
    expect(app.status).toBe(200);
    expect(app.headers.get("content-type")).toBe("text/javascript; charset=UTF-8");
    expect(await app.text()).toContain('from "./session-view.js"');
    const uplot = await rawApi("/dashboard/vendor/uPlot.iife.min.js");
    expect(uplot.headers.get("content-type")).toBe("text/javascript; charset=UTF-8");
    expect(await uplot.text()).toMatch(/uPlot/);
    const css = await rawApi("/dashboard/styles.css");
    expect(css.headers.get("content-type")).toBe("text/css; charset=UTF-8");
    expect(await css.text()).toContain("prefers-color-scheme: dark");
  });

  it("answers 304 to a revalidation with the same ETag", async () => {
    const first = await rawApi("/dashboard/charts.js");
    const tag = first.headers.get("etag");
    expect(tag).toBeTruthy();
    expect(first.headers.get("cache-control")).toBe("no-cache");
    const again = await rawApi("/dashboard/charts.js", { headers: { "If-None-Match": tag ?? "" } });
    expect(again.status).toBe(304);
  });

  it("answers 404 with the JSON error body for a file it does not have", async () => {
    const res = await rawApi("/dashboard/nope.js");
    expect(res.status).toBe(404);
    expect(res.headers.get("content-type")).toMatch(/application\/json/);
    expect(await res.json()).toMatchObject({ code: "not_found" });
  });
});
