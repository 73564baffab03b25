import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { packSamples, unpackSamples } from "../../src/schemas/packed";
import { CHANNEL_KINDS, CHANNEL_NAMES, type SampleValues } from "../../src/schemas/telemetry";

const value = fc.oneof(
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.integer(),
  fc.constantFrom(0, -0, 2 ** 53 - 1, -1, 3.4028234663852886e38),
);

const sample: fc.Arbitrary<SampleValues> = fc
  .tuple(
    fc.integer({ min: 0, max: 2 ** 47 }),
    fc.array(fc.option(value, { nil: null, freq: 4 }), {
      minLength: CHANNEL_NAMES.length,
      maxLength: CHANNEL_NAMES.length,
    }),
  )
  .map(([ts, values]) => {
    const row: Record<string, number | null> = { ts };
    CHANNEL_NAMES.forEach((name, k) => {
      const v = values[k] ?? null;
      row[name] = CHANNEL_KINDS[name] === "f32?" ? v : (v ?? 1.5);
    });
    return row as SampleValues;
  });

describe("samples packed for the session object", () => {
  it("unpack to exactly the samples packed, nulls and negative zero included", () => {
    fc.assert(
      fc.property(fc.array(sample, { maxLength: 80 }), (samples) => {
        const back = unpackSamples(packSamples(samples));
        expect(back).toHaveLength(samples.length);
        back.forEach((row, i) => {
          const want = samples[i] as SampleValues;
          expect(Object.keys(row).sort()).toEqual(Object.keys(want).sort());
          for (const key of Object.keys(want) as (keyof SampleValues)[]) {
            expect(Object.is(row[key], want[key])).toBe(true);
          }
        });
      }),
    );
  });

  it("refuses a buffer that is not whole rows", () => {
    expect(() => unpackSamples(new Float64Array(CHANNEL_NAMES.length))).toThrow(TypeError);
  });
});
