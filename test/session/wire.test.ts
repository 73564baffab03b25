import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { PACKED_WIDTH, packSamples, unpackSamples } from "../../src/schemas/packed";
import { CHANNEL_KINDS, CHANNEL_NAMES, type SampleValues } from "../../src/schemas/telemetry";
import { decodeLogRow, encodeLogRow } from "../../src/session/log";

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

describe("log rows", () => {
  /** A sample at the precision ingest stores: every channel a float32, the timestamp exact. */
  const stored = sample.map((s) => {
    const out: Record<string, number | null> = { ts: s.ts };
    for (const name of CHANNEL_NAMES) {
      const v = s[name];
      out[name] = v === null ? null : Math.fround(v);
    }
    return out as SampleValues;
  });

  const same = (a: Float64Array, b: Float64Array) => {
    expect(a.length).toBe(b.length);
    for (let i = 0; i < a.length; i++) expect(Object.is(a[i], b[i])).toBe(true);
  };

  it("keep stored samples exactly in half the bytes of float64 rows", () => {
    fc.assert(
      fc.property(fc.array(stored, { minLength: 1, maxLength: 80 }), (samples) => {
        const rows = packSamples(samples);
        const bytes = encodeLogRow(rows);
        expect(bytes.byteLength).toBe(samples.length * (8 + 4 * (PACKED_WIDTH - 1)));
        same(decodeLogRow(bytes.slice().buffer, samples.length), rows);
      }),
    );
  });

  it("keep float64 rows when a value is not a float32, and read rows of either layout", () => {
    fc.assert(
      fc.property(fc.array(sample, { minLength: 1, maxLength: 20 }), (samples) => {
        const rows = packSamples(samples);
        const bytes = encodeLogRow(rows);
        same(decodeLogRow(bytes.slice().buffer, samples.length), rows);
        // Rows logged before the compact layout: float64 rows as they are.
        same(decodeLogRow(rows.slice().buffer, samples.length), rows);
      }),
    );
    const rows = packSamples([{ ...(fc.sample(stored, 1)[0] as SampleValues), speed: 0.1 }]);
    expect(encodeLogRow(rows).byteLength).toBe(rows.byteLength);
  });

  it("refuse bytes that are neither layout", () => {
    expect(() => decodeLogRow(new ArrayBuffer(100), 1)).toThrow(TypeError);
  });
});
