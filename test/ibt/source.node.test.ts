import { describe, expect, it } from "vitest";
import { chunkSource, IbtFormatError, streamSource } from "../../src/ibt";

const bytes = Uint8Array.from({ length: 1000 }, (_, i) => i % 251);
const split = (sizes: number[]) => {
  const chunks: Uint8Array[] = [];
  let at = 0;
  for (const n of sizes) {
    chunks.push(bytes.slice(at, at + n));
    at += n;
  }
  chunks.push(bytes.slice(at));
  return chunks;
};
async function* iterate(chunks: Uint8Array[]) {
  for (const c of chunks) yield c;
}

describe("chunkSource", () => {
  it("reads any window, within a chunk or across several, and stops at the end", async () => {
    const source = chunkSource(split([1, 10, 300, 7, 0, 200]));
    expect(source.size).toBe(1000);
    for (const [offset, length] of [
      [0, 1],
      [0, 1000],
      [5, 400],
      [11, 300],
      [318, 3],
      [990, 50],
      [1000, 5],
    ] as const) {
      const got = await source.read(offset, length);
      expect([...got], `${offset}+${length}`).toEqual([
        ...bytes.subarray(offset, Math.min(1000, offset + length)),
      ]);
    }
  });
});

describe("streamSource", () => {
  it("serves forward reads of a stream without holding what lies behind them", async () => {
    const source = streamSource(iterate(split([3, 100, 100, 100, 100])), 1000);
    expect([...(await source.read(0, 144))]).toEqual([...bytes.subarray(0, 144)]);
    expect([...(await source.read(150, 300))]).toEqual([...bytes.subarray(150, 450)]);
    expect([...(await source.read(450, 600))]).toEqual([...bytes.subarray(450, 1000)]);
    await source.drain();
  });

  it("refuses a read behind one already served, naming both offsets", async () => {
    const source = streamSource(iterate(split([100, 100, 100])), 1000);
    await source.read(500, 10);
    await expect(source.read(20, 10)).rejects.toThrow(IbtFormatError);
    await expect(source.read(20, 10)).rejects.toThrow(/offset 20 lies before bytes already read/);
  });

  it("returns fewer bytes when the stream ends before its declared size", async () => {
    const source = streamSource(iterate([bytes.slice(0, 300)]), 1000);
    expect((await source.read(200, 500)).byteLength).toBe(100);
  });

  it("reads every byte once when drained after a read", async () => {
    let seen = 0;
    async function* counting() {
      for (const c of split([10, 20, 30])) {
        seen += c.byteLength;
        yield c;
      }
    }
    const source = streamSource(counting(), 1000);
    await source.read(0, 5);
    await source.drain();
    expect(seen).toBe(1000);
  });
});
