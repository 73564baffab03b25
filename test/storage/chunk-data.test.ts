import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { fromHex } from "../../src/storage/chunk";

describe("chunk data read as hex", () => {
  it("decodes SQLite's hex() of every byte value back to the same bytes", async () => {
    const bytes = Uint8Array.from({ length: 512 }, (_, i) => (i * 7) % 256);
    const row = await env.DB.prepare("SELECT hex(?) AS h").bind(bytes).first<{ h: string }>();
    expect(fromHex(row?.h ?? "")).toEqual(bytes);
    expect(fromHex("")).toEqual(new Uint8Array(0));
  });
});
