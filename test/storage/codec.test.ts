import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { packSamples } from "../../src/schemas/packed";
import {
  CHANNEL_KINDS,
  CHANNEL_NAMES,
  FLOAT32_MAX,
  type SampleValues,
} from "../../src/schemas/telemetry";
import {
  CHUNK_FORMAT_VERSION,
  ChunkFormatError,
  decodeChunk,
  encodeChunk,
  encodeRows,
  frameCount,
} from "../../src/storage/codec";

type Row = Record<string, number | null>;

/** What a sample reads back as: float channels at float32 precision, the rest unchanged. */
function asStored(sample: SampleValues): SampleValues {
  const row: Row = { ts: sample.ts };
  for (const name of CHANNEL_NAMES) {
    const v = sample[name];
    row[name] = CHANNEL_KINDS[name] === "int" || v === null ? v : Math.fround(v);
  }
  return row as SampleValues;
}

/** Whether two rows hold the same value (Object.is) in `ts` and every channel. */
function sameValues(a: SampleValues, b: SampleValues): boolean {
  return Object.is(a.ts, b.ts) && CHANNEL_NAMES.every((name) => Object.is(a[name], b[name]));
}

const roundTrip = (samples: SampleValues[]) => decodeChunk(encodeChunk(samples));

/** A plain sample with every channel set to `value` (lap times too). */
function sampleOf(ts: number, value: number): SampleValues {
  const row: Row = { ts };
  for (const name of CHANNEL_NAMES) row[name] = value;
  return row as SampleValues;
}

/** Sets one channel kind of otherwise plain samples to the given values, one per sample. */
function withKind(kind: string, values: (number | null)[]): SampleValues[] {
  return values.map((v, i) => {
    const row: Row = { ...sampleOf(1_700_000_000_000 + 16 * i, 1) };
    for (const name of CHANNEL_NAMES) if (CHANNEL_KINDS[name] === kind) row[name] = v;
    return row as SampleValues;
  });
}

const FLOAT_EDGES = [
  0,
  -0,
  2 ** -149, // smallest denormal
  -(2 ** -149),
  2 ** -126 - 2 ** -149, // largest denormal
  2 ** -126,
  1e-300, // rounds to 0
  -1e-300, // rounds to -0
  1 / 3,
  -1,
  FLOAT32_MAX,
  -FLOAT32_MAX,
  3.5e38, // rounds to Infinity
  Number.POSITIVE_INFINITY,
  Number.NEGATIVE_INFINITY,
  Number.NaN,
  Number.MAX_VALUE,
];

const floatValue = fc.oneof(fc.double(), fc.float(), fc.constantFrom(...FLOAT_EDGES));
const arbitraries = {
  int: fc.oneof(fc.integer({ min: -1, max: 1_000_000 }), fc.maxSafeInteger()),
  f32: floatValue,
  "f32?": fc.option(floatValue, { nil: null, freq: 3 }),
} as const;
const timestamp = fc.oneof(
  fc.integer({ min: 0, max: 10_000_000 }).map((d) => 1_700_000_000_000 + d),
  fc.maxSafeInteger(),
  fc.integer(),
);
const sample = fc.record(
  Object.fromEntries([
    ["ts", timestamp],
    ...CHANNEL_NAMES.map((name) => [name, arbitraries[CHANNEL_KINDS[name]]]),
  ]),
) as unknown as fc.Arbitrary<SampleValues>;

/** Sorted timestamps with irregular gaps of 0 to 40 ms, as a car's samples arrive. */
const drive = fc.array(fc.integer({ min: 0, max: 40 }), { maxLength: 300 }).chain((gaps) =>
  fc.array(sample, { minLength: gaps.length, maxLength: gaps.length }).map((samples) => {
    let ts = 1_714_564_800_000;
    return samples.map((s, i) => {
      ts += gaps[i] as number;
      return { ...s, ts };
    });
  }),
);

describe("encodeChunk and decodeChunk", () => {
  it("round-trips random samples of every channel kind", () => {
    fc.assert(
      fc.property(fc.array(sample, { maxLength: 200 }), (samples) => {
        expect(roundTrip(samples)).toEqual(samples.map(asStored));
      }),
    );
  });

  it("round-trips samples with sorted, irregular timestamps", () => {
    fc.assert(
      fc.property(drive, (samples) => {
        expect(roundTrip(samples)).toEqual(samples.map(asStored));
      }),
    );
  });

  it("round-trips every float channel bit-exactly as float32", () => {
    const values = [...FLOAT_EDGES, ...[...FLOAT_EDGES].reverse()];
    const decoded = roundTrip(withKind("f32", values));
    for (const name of CHANNEL_NAMES.filter((n) => CHANNEL_KINDS[n] === "f32")) {
      const read = decoded.map((s) => s[name]);
      values.forEach((v, i) => {
        expect(Object.is(read[i], Math.fround(v)), `${name}[${i}] = ${v}`).toBe(true);
      });
    }
  });

  it("preserves every float32 bit pattern but NaN payloads", () => {
    const view = new DataView(new ArrayBuffer(4));
    const asFloat = (bits: number) => {
      view.setUint32(0, bits);
      return view.getFloat32(0);
    };
    const bitsOf = (v: number) => {
      view.setFloat32(0, v);
      return view.getUint32(0);
    };
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 0xffffffff }), { maxLength: 100 }), (bits) => {
        const values = bits.map(asFloat);
        const decoded = roundTrip(withKind("f32", values));
        for (const name of CHANNEL_NAMES.filter((n) => CHANNEL_KINDS[n] === "f32")) {
          decoded.forEach((s, i) => {
            const v = s[name] as number;
            if (Number.isNaN(v)) expect(values[i]).toBeNaN();
            else expect(bitsOf(v)).toBe(bits[i]);
          });
        }
      }),
    );
  });

  it("keeps timestamps exact for any safe integer, in any order", () => {
    const stamps = [
      1_714_564_800_000,
      1_714_564_800_000,
      1_714_564_800_017,
      1_714_564_799_000,
      Number.MAX_SAFE_INTEGER,
      Number.MIN_SAFE_INTEGER,
      0,
      2 ** 50,
      -(2 ** 50),
      2 ** 50 + 1,
      1_714_564_800_033,
      1,
    ];
    const samples = stamps.map((ts) => sampleOf(ts, 1));
    expect(roundTrip(samples).map((s) => s.ts)).toEqual(stamps);
    expect(roundTrip(samples.slice(0, 4)).map((s) => s.ts)).toEqual(stamps.slice(0, 4));
  });

  it("round-trips safe-integer timestamps and integer channels of any range, in any order", () => {
    const ranges = [
      fc.integer({ min: -1, max: 1_000_000 }),
      fc.integer(),
      fc.maxSafeInteger().map((v) => v % 2 ** 50),
      fc.maxSafeInteger(),
    ];
    const columns = fc.oneof(...ranges.map((r) => fc.array(fc.tuple(r, r), { maxLength: 100 })));
    fc.assert(
      fc.property(columns, (pairs) => {
        const samples = withKind(
          "int",
          pairs.map(([, v]) => v),
        ).map((s, i) => ({ ...s, ts: pairs[i]?.[0] as number }));
        expect(roundTrip(samples)).toEqual(samples.map(asStored));
      }),
    );
  });

  it("keeps integer channels exact across their whole range and beyond", () => {
    const values = [0, -1, 10, 3, 3, 1_000_000, 0, 999_999, Number.MAX_SAFE_INTEGER, -1];
    const decoded = roundTrip(withKind("int", values));
    for (const name of CHANNEL_NAMES.filter((n) => CHANNEL_KINDS[n] === "int")) {
      expect(decoded.map((s) => s[name])).toEqual(values);
    }
  });

  it("reads null back as null and keeps -1 in the optional channels", () => {
    const mixed = [null, -1, 92.345, null, null, 91.5, -1, null, 1e-3];
    for (const values of [mixed, mixed.map(() => null), mixed.map(() => -1), [null], [7]]) {
      const decoded = roundTrip(withKind("f32?", values));
      for (const name of CHANNEL_NAMES.filter((n) => CHANNEL_KINDS[n] === "f32?")) {
        expect(decoded.map((s) => s[name])).toEqual(
          values.map((v) => (v === null ? v : Math.fround(v))),
        );
      }
    }
  });

  it("stores an absent optional value as null", () => {
    const row: Row = { ...sampleOf(1, 2) };
    for (const name of CHANNEL_NAMES) if (CHANNEL_KINDS[name] === "f32?") delete row[name];
    const [decoded] = roundTrip([row as SampleValues]);
    for (const name of CHANNEL_NAMES) {
      expect(decoded?.[name]).toBe(CHANNEL_KINDS[name] === "f32?" ? null : 2);
    }
  });

  it("encodes an empty array and decodes it to an empty array", () => {
    const bytes = encodeChunk([]);
    expect(bytes[0]).toBe(0xd1);
    expect(bytes[1]).toBe(CHUNK_FORMAT_VERSION);
    expect(decodeChunk(bytes)).toEqual([]);
  });

  it("decodes a chunk that sits inside a larger buffer", () => {
    const samples = syntheticDrive(100);
    const chunk = encodeChunk(samples);
    const buffer = new Uint8Array(chunk.length + 11);
    buffer.set(chunk, 7);
    expect(decodeChunk(buffer.subarray(7, 7 + chunk.length))).toEqual(samples.map(asStored));
  });

  it("returns every channel and nothing else, in storage order", () => {
    const [decoded] = roundTrip([{ ...sampleOf(5, 1), extra: 3 } as SampleValues]);
    expect(Object.keys(decoded ?? {})).toEqual(["ts", ...CHANNEL_NAMES]);
  });

  it("round-trips 100,000 samples", () => {
    const samples = syntheticDrive(100_000);
    const decoded = roundTrip(samples);
    expect(decoded).toHaveLength(samples.length);
    // A deep toEqual of 100,000 rows takes seconds: compare value by value, diff the first miss.
    const miss = decoded.findIndex((s, i) => !sameValues(s, asStored(samples[i] as SampleValues)));
    if (miss >= 0) expect(decoded[miss]).toEqual(asStored(samples[miss] as SampleValues));
  });

  it("rejects a sample with a missing or non-numeric channel", () => {
    const missing: Row = { ...sampleOf(1, 1) };
    delete missing.speed;
    expect(() => encodeChunk([missing as SampleValues])).toThrow(TypeError);
    const text = { ...sampleOf(1, 1), gear: "3" } as unknown as SampleValues;
    expect(() => encodeChunk([text])).toThrow(/gear/);
  });
});

describe("encodeRows (samples packed as the session log holds them)", () => {
  const finite = fc.double({ noNaN: true, noDefaultInfinity: true });
  const stored = fc.record(
    Object.fromEntries([
      ["ts", timestamp],
      ...CHANNEL_NAMES.map((name) => [
        name,
        CHANNEL_KINDS[name] === "int"
          ? arbitraries.int
          : CHANNEL_KINDS[name] === "f32"
            ? finite
            : fc.option(finite, { nil: null, freq: 3 }),
      ]),
    ]),
  ) as unknown as fc.Arbitrary<SampleValues>;

  it("writes the very bytes encodeChunk writes for the same finite-or-null samples", () => {
    fc.assert(
      fc.property(fc.array(stored, { maxLength: 200 }), (samples) => {
        const rows = encodeRows(packSamples(samples), "small");
        expect(rows).toEqual(encodeChunk(samples, "small"));
        expect(decodeChunk(rows)).toEqual(samples.map(asStored));
      }),
    );
  });

  it("refuses a packed sample whose required channel is missing (NaN)", () => {
    const rows = packSamples([sampleOf(1, 1)]);
    rows[2] = Number.NaN;
    expect(() => encodeRows(rows)).toThrow(TypeError);
  });
});

describe("frames", () => {
  const drive = syntheticDrive(180);
  const parts = [drive.slice(0, 60), drive.slice(60, 61), drive.slice(61, 180)];
  const frames = parts.map((p) => encodeChunk(p));
  const joined = Uint8Array.from(frames.flatMap((f) => [...f]));

  it("decodes frames appended to a chunk as one run, in order", () => {
    expect(decodeChunk(joined)).toEqual(drive.map(asStored));
    expect(frameCount(joined)).toBe(3);
    expect(frameCount(frames[0] as Uint8Array)).toBe(1);
  });

  it("builds only the samples a window asks for, as a filter of the whole would", () => {
    const all = decodeChunk(joined);
    const ts = all.map((s) => s.ts);
    const bound = fc.option(fc.constantFrom(...ts, (ts[0] as number) - 1, 0, 2 ** 52), {
      nil: undefined,
    });
    const window = fc.record({
      lower: bound,
      upper: bound,
      limit: fc.option(fc.integer({ min: 0, max: 200 }), { nil: undefined }),
      fromEnd: fc.boolean(),
    });
    fc.assert(
      fc.property(window, (w) => {
        const inside = all.filter(
          (s) => s.ts >= (w.lower ?? Number.NEGATIVE_INFINITY) && s.ts <= (w.upper ?? Infinity),
        );
        const limit = w.limit ?? inside.length;
        const want = w.fromEnd
          ? inside.slice(Math.max(0, inside.length - limit))
          : inside.slice(0, limit);
        expect(decodeChunk(joined, w)).toEqual(want);
      }),
    );
  });

  it("rejects a chunk whose later frame is damaged or cut short", () => {
    const cut = joined.subarray(0, joined.length - 1);
    expect(() => decodeChunk(cut)).toThrow(ChunkFormatError);
    const flipped = joined.slice();
    const at = (frames[0] as Uint8Array).length + 20;
    flipped[at] = (flipped[at] as number) ^ 0x10;
    expect(() => decodeChunk(flipped)).toThrow(ChunkFormatError);
  });

  it("still reads chunks of the version 1 layout, a single frame to the end", () => {
    const legacy = withHeader(frames[2] as Uint8Array, { legacy: true });
    expect(legacy[1]).toBe(1);
    expect(decodeChunk(legacy)).toEqual(parts[2]?.map(asStored));
    // Frames may be appended to a version 1 chunk only as a new chunk: one cannot follow it.
    expect(() => decodeChunk(Uint8Array.from([...legacy, ...(frames[0] as Uint8Array)]))).toThrow(
      ChunkFormatError,
    );
  });
});

describe("decodeChunk on bad input", () => {
  const good = encodeChunk(syntheticDrive(60));

  const rejects = (bytes: Uint8Array, message?: RegExp) => {
    expect(() => decodeChunk(bytes)).toThrow(ChunkFormatError);
    if (message) expect(() => decodeChunk(bytes)).toThrow(message);
  };

  it("rejects empty input, bad magic and an unknown version", () => {
    rejects(new Uint8Array(), /truncated/);
    rejects(new ArrayBuffer(8) as unknown as Uint8Array, /Uint8Array/);
    rejects(Uint8Array.from([0x7b, 0x22, 0x74, 0x73]), /magic/);
    const future = good.slice();
    future[1] = CHUNK_FORMAT_VERSION + 1;
    rejects(future, new RegExp(`version ${CHUNK_FORMAT_VERSION + 1}`));
  });

  it("rejects every truncation of a chunk", () => {
    for (let length = 0; length < good.length; length++) rejects(good.subarray(0, length));
  });

  it("rejects a chunk with bytes appended", () => {
    rejects(Uint8Array.from([...good, 0]));
  });

  it("rejects every single-bit corruption of a chunk", () => {
    for (let i = 0; i < good.length; i++) {
      for (let bit = 0; bit < 8; bit++) {
        const bad = good.slice();
        bad[i] = (bad[i] as number) ^ (1 << bit);
        rejects(bad);
      }
    }
  });

  it("rejects a sample count the body cannot hold", () => {
    rejects(withHeader(good, { count: 1_000_000 }), /cannot hold 1000000 samples/);
  });

  it("rejects a count that disagrees with the body even under a valid checksum", () => {
    for (const count of [0, 1, 59, 61, 120]) rejects(withHeader(good, { count }));
  });

  it("throws only ChunkFormatError for random bytes, with or without a valid prefix", () => {
    const prefix = fc.constantFrom(
      [],
      [0xd1],
      [0xd1, CHUNK_FORMAT_VERSION],
      [...good.subarray(0, 8)],
    );
    fc.assert(
      fc.property(prefix, fc.uint8Array({ maxLength: 300 }), (head, tail) => {
        rejects(Uint8Array.from([...head, ...tail]));
      }),
    );
  });
});

describe("chunk size", () => {
  it("stays well under 60 bytes per sample for smooth 60 Hz data", () => {
    for (const n of [60, 600, 1200, 5000]) {
      const samples = syntheticDrive(n);
      const bytes = encodeChunk(samples);
      const perSample = bytes.length / n;
      console.log(`codec: ${n} samples -> ${bytes.length} bytes, ${perSample.toFixed(2)} B/sample`);
      expect(perSample).toBeLessThan(60);
      expect(decodeChunk(bytes)).toEqual(samples.map(asStored));
    }
  });

  it("stays under the raw float32 size for random values", () => {
    const samples = fc.sample(sample, { numRuns: 1000, seed: 42 });
    expect(encodeChunk(samples).length / samples.length).toBeLessThan(100);
  });
});

/**
 * A single-frame chunk with its header rewritten (and its checksum recomputed) to claim another
 * count, or in the version 1 layout, which has no compressed length.
 */
function withHeader(
  chunk: Uint8Array,
  { count, legacy = false }: { count?: number; legacy?: boolean },
): Uint8Array {
  // Layout as documented in src/storage/codec.ts: magic, version, four varints, CRC-32.
  let pos = 2;
  const varint = () => {
    let v = 0;
    for (let scale = 1; ; scale *= 128) {
      const b = chunk[pos++] as number;
      v += (b & 0x7f) * scale;
      if (b < 0x80) return v;
    }
  };
  const stored = varint();
  const packed = varint();
  const raw = varint();
  const compressed = varint();
  const rest = chunk.subarray(pos + 4);
  const header = [
    0xd1,
    legacy ? 1 : CHUNK_FORMAT_VERSION,
    ...leb128(count ?? stored),
    ...leb128(packed),
    ...leb128(raw),
    ...(legacy ? [] : leb128(compressed)),
  ];
  const layout = CHANNEL_NAMES.map((name) => `${name}:${CHANNEL_KINDS[name]}`).join(",");
  const covered = Uint8Array.from([...new TextEncoder().encode(layout), ...header, ...rest]);
  const crc = crc32(covered);
  return Uint8Array.from([
    ...header,
    crc & 0xff,
    (crc >>> 8) & 0xff,
    (crc >>> 16) & 0xff,
    crc >>> 24,
    ...rest,
  ]);
}

function leb128(v: number): number[] {
  const out: number[] = [];
  for (; v > 0x7f; v = Math.floor(v / 128)) out.push((v % 128) | 0x80);
  out.push(v);
  return out;
}

function crc32(bytes: Uint8Array): number {
  let c = ~0;
  for (const b of bytes) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  }
  return ~c >>> 0;
}

/** A seeded uniform generator in [0, 1) (mulberry32), so the size check is reproducible. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * `n` samples of a car lapping a 4 km circle at 60 Hz: speed, rpm and pedals follow smooth
 * curves with small noise, temperatures and fuel drift slowly, the gear steps with speed.
 */
function syntheticDrive(n: number, seed = 1): SampleValues[] {
  const next = random(seed);
  const noise = (amplitude: number) => (next() - 0.5) * 2 * amplitude;
  const clamp = (v: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, v));
  const lapLength = 4000;
  const radius = lapLength / (2 * Math.PI);
  const ratios = [0, 0, 95, 68, 53, 44, 38, 33];
  const samples: SampleValues[] = [];
  let distance = 1234;
  let previousSpeed = 160;
  for (let i = 0; i < n; i++) {
    const t = i / 60;
    const phase = (2 * Math.PI * t) / 9;
    const speed = 160 + 70 * Math.sin(phase);
    distance += speed / 3.6 / 60;
    const lapFraction = (distance % lapLength) / lapLength;
    const angle = 2 * Math.PI * lapFraction;
    const gear = clamp(1 + Math.floor(speed / 40), 1, 7);
    const lap = 1 + Math.floor(distance / lapLength);
    const steering = Math.sin((2 * Math.PI * t) / 7);
    const acceleration = ((speed - previousSpeed) / 3.6) * 60;
    previousSpeed = speed;
    samples.push({
      ts: 1_714_564_800_000 + Math.round((i * 1000) / 60),
      speed: speed + noise(0.05),
      rpm: clamp(speed * (ratios[gear] ?? 33) * 0.9 + noise(3), 800, 12_000),
      gear,
      current_lap: lap,
      last_lap_time: lap > 1 ? 92.3456 : null,
      best_lap_time: lap > 1 ? 91.8765 : null,
      fuel_level: 60 - t * 0.0025,
      throttle_position: clamp(0.55 + 0.6 * Math.cos(phase) + noise(0.005), 0, 1),
      brake_position: clamp(-0.8 * Math.cos(phase) - 0.3 + noise(0.005), 0, 1),
      clutch_position: 0,
      steering_angle: 60 * steering + noise(0.05),
      tire_temps_fl: 85 + 4 * Math.sin(t / 20) + noise(0.01),
      tire_temps_fr: 88 + 4 * Math.sin(t / 21) + noise(0.01),
      tire_temps_rl: 80 + 3 * Math.sin(t / 22) + noise(0.01),
      tire_temps_rr: 82 + 3 * Math.sin(t / 23) + noise(0.01),
      lateral_g: (speed / 3.6) ** 2 / radius / 9.81 + 0.8 * steering + noise(0.02),
      longitudinal_g: acceleration / 9.81 + noise(0.02),
      vertical_g: 1 + 0.05 * Math.sin(t * 3) + noise(0.02),
      track_position: lapFraction,
      position_x: radius * Math.cos(angle),
      position_y: radius * Math.sin(angle),
      position_z: 12 + 4 * Math.sin(3 * angle),
    });
  }
  return samples;
}
