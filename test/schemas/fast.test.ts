import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { fastBatch, fastSample, fastSessionId } from "../../src/schemas/fast";
import { SessionIdParam } from "../../src/schemas/query";
import {
  CHANNEL_NAMES,
  CHANNEL_SPEC,
  parseTimestamp,
  TelemetryBatch,
  TelemetrySample,
} from "../../src/schemas/telemetry";

// The fast path must give exactly zod's verdict and value: a differential property test over
// inputs concentrated on the edges of every rule.
const NOW = Date.now();

const channelValue = (name: (typeof CHANNEL_NAMES)[number]) => {
  const spec = CHANNEL_SPEC[name];
  const edges = [spec.min, spec.max, spec.min - 1e-9, spec.max + 1e-9, (spec.min + spec.max) / 2];
  const common = [
    fc.constantFrom(...edges),
    fc.double({ min: Math.max(spec.min, -1e12), max: Math.min(spec.max, 1e12), noNaN: true }),
    fc.constantFrom("1", null, true, [], {}, Number.POSITIVE_INFINITY, Number.NaN, 0.5, -1, 1e39),
  ];
  if (spec.kind === "int") common.push(fc.integer({ min: spec.min - 2, max: spec.max + 2 }));
  return fc.option(fc.oneof(...common), { nil: undefined, freq: 20 });
};

const text = fc.oneof(
  fc.constantFrom("Spa", "", "a".repeat(64), "a".repeat(65), "a".repeat(128), "a".repeat(129)),
  fc.constantFrom("tab\tx", "\u0085", "lone \ud800", "ok 🏎", "x\u0000"),
  fc.string({ maxLength: 10 }),
  fc.constantFrom(42, null),
);
const id = fc.oneof(
  fc.constantFrom("car-1", "a b", "", "x".repeat(64), "x".repeat(65), "é"),
  fc.string({ maxLength: 8 }),
);
const timestamp = fc.option(
  fc.oneof(
    fc.constantFrom(
      "2024-05-01T12:00:00Z",
      "2024-05-01T12:00:00.123456789+02:00",
      "2024-05-01t12:00:00z",
      "2024-05-01 12:00:00Z",
      "2024-05-01T12:00:00",
      "2024-13-01T12:00:00Z",
      "2024-02-30T12:00:00Z",
      new Date(NOW + 4 * 60_000).toISOString(),
      new Date(NOW + 6 * 60_000).toISOString(),
      "",
    ),
    fc.constant(null),
    fc.integer(),
  ),
  { nil: undefined, freq: 5 },
);

const channels = fc.record(
  Object.fromEntries(CHANNEL_NAMES.map((n) => [n, channelValue(n)])) as {
    [K in (typeof CHANNEL_NAMES)[number]]: fc.Arbitrary<unknown>;
  },
  { requiredKeys: [] },
);
const extra = fc.option(fc.constantFrom('"id":"x"', '"__proto__":1', '"turbo":true'), {
  nil: undefined,
  freq: 10,
});

/** Adds an unknown key the way a request body brings it (JSON keeps "__proto__" an own key). */
function withExtra(o: Record<string, unknown>, e: string | undefined) {
  if (!e) return o;
  return JSON.parse(JSON.stringify(o).replace(/}$/, `,${e}}`));
}

function sameVerdict<T>(fast: T | undefined, zod: { success: boolean; data?: unknown }) {
  expect(fast !== undefined).toBe(zod.success);
  if (zod.success) expect(fast).toEqual(zod.data);
}

describe("the fast validation path", () => {
  it("gives zod's verdict and value for single samples", () => {
    fc.assert(
      fc.property(
        channels,
        timestamp,
        id,
        id,
        text,
        text,
        text,
        extra,
        (ch, ts, d, s, t, c, st, e) => {
          const input = withExtra(
            {
              ...ch,
              timestamp: ts,
              driver_id: d,
              session_id: s,
              track_name: t,
              car_name: c,
              session_type: st,
            },
            e,
          );
          sameVerdict(fastSample(input, NOW), TelemetrySample.safeParse(input));
        },
      ),
      { numRuns: 3000 },
    );
  });

  it("gives zod's verdict and value for compact batches", () => {
    const sample = fc.tuple(channels, timestamp).map(([ch, ts]) => ({ ...ch, timestamp: ts }));
    fc.assert(
      fc.property(
        fc.array(sample, { maxLength: 4 }),
        id,
        text,
        text,
        text,
        extra,
        (samples, d, t, c, st, e) => {
          const input = withExtra(
            { driver_id: d, track_name: t, car_name: c, session_type: st, samples },
            e,
          );
          sameVerdict(fastBatch(input, NOW), TelemetryBatch.safeParse(input));
        },
      ),
      { numRuns: 2000 },
    );
  });

  it("gives zod's verdict and value for the session id path parameter", () => {
    fc.assert(
      fc.property(id, (session_id) => {
        const input = { session_id };
        sameVerdict(fastSessionId(input), SessionIdParam.safeParse(input));
      }),
      { numRuns: 1000 },
    );
  });

  it("accepts exactly what zod accepts among valid samples with one field changed", () => {
    const valid = fc.record(
      Object.fromEntries(
        CHANNEL_NAMES.map((n) => {
          const spec = CHANNEL_SPEC[n];
          if (spec.kind === "int") return [n, fc.integer({ min: spec.min, max: spec.max })];
          if (spec.kind === "f32?")
            return [
              n,
              fc.oneof(
                fc.constant(-1),
                fc.constant(null),
                fc.double({ min: 1e-6, max: spec.max, noNaN: true }),
              ),
            ];
          return [
            n,
            fc.double({
              min: Math.max(spec.min, -1e12),
              max: Math.min(spec.max, 1e12),
              noNaN: true,
            }),
          ];
        }),
      ) as { [K in (typeof CHANNEL_NAMES)[number]]: fc.Arbitrary<unknown> },
    );
    const change = fc.tuple(fc.constantFrom(...CHANNEL_NAMES), fc.anything());
    fc.assert(
      fc.property(
        valid,
        fc.option(change, { nil: undefined, freq: 2 }),
        timestamp,
        (ch, edit, ts) => {
          const samples = [{ ...ch, ...(edit ? { [edit[0]]: edit[1] } : {}), timestamp: ts }];
          const input = {
            driver_id: "d",
            track_name: "Spa",
            car_name: "GT3",
            session_type: "Race",
            samples,
          };
          sameVerdict(fastBatch(input, NOW), TelemetryBatch.safeParse(input));
        },
      ),
      { numRuns: 2000 },
    );
  });

  it("accepts a realistic valid batch", () => {
    const valid = {
      driver_id: "d",
      track_name: "Spa",
      car_name: "GT3",
      session_type: "Race",
      samples: [
        {
          timestamp: "2024-05-01T12:00:00.000Z",
          ...Object.fromEntries(
            CHANNEL_NAMES.map((n) => [n, CHANNEL_SPEC[n].kind === "int" ? 1 : 0.5]),
          ),
        },
      ],
    };
    expect(fastBatch(valid, NOW)).toEqual(TelemetryBatch.parse(valid));
  });
});

describe("parseTimestamp", () => {
  const pad = (n: number, width: number) => String(n).padStart(width, "0");

  it("reads the canonical form exactly as the same instant written with an offset", () => {
    // The canonical form (…T12:00:00.000Z) takes a shortcut; "+00:00" takes the general path.
    const fields = fc.tuple(
      fc.oneof(fc.integer({ min: 0, max: 9999 }), fc.constantFrom(1970, 2000, 2024, 2100)),
      fc.integer({ min: 0, max: 13 }),
      fc.integer({ min: 0, max: 32 }),
      fc.integer({ min: 0, max: 25 }),
      fc.integer({ min: 0, max: 61 }),
      fc.integer({ min: 0, max: 61 }),
      fc.integer({ min: 0, max: 999 }),
    );
    fc.assert(
      fc.property(fields, ([y, mo, d, h, mi, s, ms]) => {
        const base = `${pad(y, 4)}-${pad(mo, 2)}-${pad(d, 2)}T${pad(h, 2)}:${pad(mi, 2)}:${pad(s, 2)}.${pad(ms, 3)}`;
        expect(parseTimestamp(`${base}Z`)).toBe(parseTimestamp(`${base}+00:00`));
      }),
      { numRuns: 5000 },
    );
    for (const edge of [
      "2024-02-29T24:00:00.000",
      "2023-02-29T00:00:00.000",
      "2024-12-31T24:00:00.500",
    ]) {
      expect(parseTimestamp(`${edge}Z`)).toBe(parseTimestamp(`${edge}+00:00`));
    }
  });

  it("reads every possible date-time as Date does", () => {
    const instant = fc.date({
      min: new Date("0000-01-01T00:00:00Z"),
      max: new Date("9999-12-31T23:59:59.999Z"),
      noInvalidDate: true,
    });
    fc.assert(
      fc.property(instant, fc.integer({ min: -23 * 60 - 59, max: 23 * 60 + 59 }), (d, offset) => {
        const iso = d.toISOString();
        expect(parseTimestamp(iso)).toBe(d.getTime());
        // The same instant written in another zone.
        const local = new Date(d.getTime() + offset * 60_000).toISOString().slice(0, 23);
        const sign = offset < 0 ? "-" : "+";
        const zone = `${sign}${pad(Math.floor(Math.abs(offset) / 60), 2)}:${pad(Math.abs(offset) % 60, 2)}`;
        if (local.startsWith("-") || local.startsWith("+")) return; // outside 4-digit years
        expect(parseTimestamp(`${local}${zone}`)).toBe(d.getTime());
      }),
      { numRuns: 3000 },
    );
    expect(parseTimestamp("2024-05-01T12:00:00.123456789Z")).toBe(
      Date.UTC(2024, 4, 1, 12, 0, 0, 123),
    );
    expect(parseTimestamp("2024-05-01 12:00:00z")).toBe(Date.UTC(2024, 4, 1, 12));
  });

  it("refuses impossible calendar dates and times instead of rolling them over", () => {
    for (const bad of [
      "2026-02-30T10:00:00Z",
      "2026-02-29T10:00:00Z",
      "2100-02-29T10:00:00Z",
      "2026-04-31T10:00:00Z",
      "2026-13-01T10:00:00Z",
      "2026-00-10T10:00:00Z",
      "2026-01-00T10:00:00Z",
      "2026-01-32T10:00:00Z",
      "2026-01-01T24:00:00Z",
      "2026-01-01T23:60:00Z",
      "2026-01-01T23:59:60Z",
      "2026-01-01T10:00:00+24:00",
      "2026-01-01T10:00:00+05:60",
    ]) {
      expect(parseTimestamp(bad), bad).toBeUndefined();
    }
    expect(parseTimestamp("2024-02-29T10:00:00Z")).toBe(Date.UTC(2024, 1, 29, 10));
    expect(parseTimestamp("2000-02-29T10:00:00Z")).toBe(Date.UTC(2000, 1, 29, 10));
  });
});
