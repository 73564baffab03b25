import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { jsonRecords } from "../../src/routes/format";
import { CHANNEL_KINDS, CHANNEL_NAMES, type SampleValues } from "../../src/schemas/telemetry";
import { type RecordMeta, type Row, toRecord } from "../../src/storage/reads";

const float32 = fc
  .oneof(fc.float({ noNaN: true, noDefaultInfinity: true }), fc.constantFrom(0, -0, 1, 212.4))
  .map(Math.fround);
const value = (name: string) =>
  CHANNEL_KINDS[name as keyof typeof CHANNEL_KINDS] === "int"
    ? fc.integer({ min: -1, max: 1000 })
    : CHANNEL_KINDS[name as keyof typeof CHANNEL_KINDS] === "f32"
      ? float32
      : fc.option(float32, { nil: null });
const sample = fc.record(
  Object.fromEntries([
    ["ts", fc.integer({ min: 0, max: 4_102_444_800_000 })],
    ...CHANNEL_NAMES.map((name) => [name, value(name)]),
  ]),
) as unknown as fc.Arbitrary<SampleValues>;
const id = fc.stringMatching(/^[A-Za-z0-9._:-]{1,64}$/);
// Free text: quotes, backslashes, control-free Unicode, as track and car names may hold.
const text = fc.string({ unit: "grapheme", minLength: 1, maxLength: 20 });
const meta: fc.Arbitrary<RecordMeta> = fc.record({
  sessionId: id,
  driverId: id,
  sessionType: text,
  trackName: fc.oneof(text, fc.constant('Spa "Francorchamps" \\ 1')),
  carName: text,
});

describe("jsonRecords", () => {
  it("writes exactly the text JSON.stringify writes for the records", () => {
    fc.assert(
      fc.property(
        fc.array(meta, { minLength: 1, maxLength: 3 }),
        fc.array(fc.tuple(sample, fc.nat()), { maxLength: 60 }),
        (metas, picks) => {
          // Neighbouring rows share metadata objects (and values), as reads produce them.
          const rows: Row[] = picks.map(([s, k], i) => ({
            s:
              i % 3 === 0 && i > 0
                ? { ...s, speed: (picks[i - 1] as [SampleValues, number])[0].speed }
                : s,
            meta: metas[k % metas.length] as RecordMeta,
          }));
          expect(jsonRecords(rows)).toBe(JSON.stringify(rows.map((r) => toRecord(r.s, r.meta))));
        },
      ),
      { numRuns: 300 },
    );
  });
});
