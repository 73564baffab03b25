import { describe, expect, it } from "vitest";
import { acceptsGzip, gzipTag, matches } from "../../src/routes/lap-cache";

describe("the lap cache's content negotiation", () => {
  it("reads Accept-Encoding as RFC 9110 says: listed or *, and not at q=0", () => {
    expect(acceptsGzip("gzip, deflate, br")).toBe(true);
    expect(acceptsGzip("br;q=1.0, GZIP;q=0.5")).toBe(true);
    expect(acceptsGzip("*")).toBe(true);
    expect(acceptsGzip("gzip;q=0")).toBe(false);
    expect(acceptsGzip("identity")).toBe(false);
    expect(acceptsGzip("x-gzip-ish")).toBe(false);
    expect(acceptsGzip(undefined)).toBe(false);
  });

  it("revalidates either representation's tag", () => {
    const etag = '"lap-1-v2-abc"';
    expect(gzipTag(etag)).toBe('"lap-1-v2-abc-gzip"');
    expect(matches(`"other", ${gzipTag(etag)}`, etag)).toBe(true);
    expect(matches(etag, etag)).toBe(true);
    expect(matches("*", etag)).toBe(true);
    expect(matches('"lap-1-v3-abc"', etag)).toBe(false);
    expect(matches(undefined, etag)).toBe(false);
  });
});
