import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { short32, short32Text } from "../../src/schemas/float32";

/** Any float32 value, from its bits (NaN patterns aside). */
const float32 = fc
  .integer({ min: 0, max: 0xffffffff })
  .map((bits) => new Float32Array(new Uint32Array([bits]).buffer)[0] as number)
  .filter((v) => !Number.isNaN(v));

describe("short32Text", () => {
  it("writes exactly what String(short32(v)) writes, for every float32", () => {
    const edges = [
      0, -0, 1, -1, 0.1, 212.4, 1e-6, 9.999999e-7, 1e15, 999999.9, 3.4028234663852886e38,
    ];
    for (const v of edges.map(Math.fround)) expect(short32Text(v)).toBe(String(short32(v)));
    fc.assert(
      fc.property(fc.oneof(float32, fc.double({ min: -1e6, max: 1e6 }).map(Math.fround)), (v) => {
        expect(short32Text(v)).toBe(String(short32(v)));
      }),
      { numRuns: 20000 },
    );
  });
});
