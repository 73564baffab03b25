import { describe, expect, it } from "vitest";
import type { IbtScalar, IbtVariable } from "../../src/ibt";
import { type ByteSource, type IbtFile, memorySource, openIbt } from "../../src/ibt";
import { buildIbt } from "./build";
import { FIXTURES, fixtureBytes, openFixture } from "./fixtures";

/** Why `value` is not a valid element of `variable`, or undefined when it is. */
function problem(variable: IbtVariable, value: IbtScalar): string | undefined {
  const ok = {
    char: () => Number.isInteger(value) && (value as number) >= 0 && (value as number) < 256,
    bool: () => typeof value === "boolean",
    int: () => Number.isInteger(value) && Math.abs(value as number) < 2 ** 31,
    bitfield: () =>
      Number.isInteger(value) && (value as number) >= 0 && (value as number) < 2 ** 32,
    float: () => typeof value === "number" && Number.isFinite(value),
    double: () => typeof value === "number" && Number.isFinite(value),
  }[variable.typeName]();
  return ok ? undefined : `${variable.name} (${variable.typeName}) = ${String(value)}`;
}

/** Every value of every sample, as JSON lines, read with the given batch size. */
async function dump(file: IbtFile, batch: number, from = 0, to = file.sampleCount) {
  const rows: string[] = [];
  for await (const s of file.samples({ from, to, batch })) {
    rows.push(JSON.stringify([s.index, file.variables.map((v) => s.get(v.name))]));
  }
  return rows;
}

/** A source that records the length of every read. */
function counting(source: ByteSource): ByteSource & { reads: number[] } {
  const reads: number[] = [];
  const read = (offset: number, length: number) => {
    reads.push(length);
    return source.read(offset, length);
  };
  return { size: source.size, reads, read };
}

describe.each(FIXTURES)("decoding %s", (name) => {
  it("decodes every variable of every sample to a finite value of its type", async () => {
    const source = await openFixture(name);
    try {
      const file = await openIbt(source);
      const problems = new Set<string>();
      let seen = 0;
      for await (const sample of file.samples({ batch: 250 })) {
        expect(sample.index).toBe(seen++);
        for (const variable of file.variables) {
          const value = sample.get(variable.name);
          const elements = Array.isArray(value) ? value : [value];
          if (elements.length !== variable.count) problems.add(`${variable.name} length`);
          for (const element of elements) {
            const bad = problem(variable, element);
            if (bad) problems.add(bad);
          }
        }
      }
      expect(seen).toBe(file.sampleCount);
      expect([...problems].slice(0, 10)).toEqual([]);
    } finally {
      await source.close();
    }
  });

  it("reads a version-1 header (recordings of 2015–16) exactly as version 2", async () => {
    const bytes = await fixtureBytes(name);
    const v1 = bytes.slice();
    new DataView(v1.buffer).setInt32(0, 1, true);
    const [two, one] = await Promise.all([openIbt(memorySource(bytes)), openIbt(memorySource(v1))]);
    expect(one.header.version).toBe(1);
    expect(one.sampleCount).toBe(two.sampleCount);
    expect(one.sessionInfo).toEqual(two.sessionInfo);
    expect(await dump(one, 500)).toEqual(await dump(two, 500));
  });

  it("gives the same values in windows of 1, 7 and 333 samples as in one window", async () => {
    const file = await openIbt(memorySource(await fixtureBytes(name)));
    const whole = await dump(file, file.sampleCount);
    expect(await dump(file, 333)).toEqual(whole);
    expect(await dump(file, 7)).toEqual(whole);
    expect(await dump(file, 1, 100, 160)).toEqual(whole.slice(100, 160));
  });

  it("gives the same values from the file adapter as from memory", async () => {
    const source = await openFixture(name);
    try {
      const fromFile = await openIbt(source);
      const fromMemory = await openIbt(memorySource(await fixtureBytes(name)));
      expect(await dump(fromFile, 1000)).toEqual(await dump(fromMemory, 1000));
      expect(fromFile.sessionInfo).toEqual(fromMemory.sessionInfo);
    } finally {
      await source.close();
    }
  });

  it("reads samples in windows no larger than the batch size", async () => {
    const source = counting(memorySource(await fixtureBytes(name)));
    const file = await openIbt(source);
    const opening = source.reads.length;
    const batches = [];
    for await (const batch of file.batches({ batch: 100 })) batches.push(batch.count);
    expect(batches.reduce((a, b) => a + b, 0)).toBe(file.sampleCount);
    expect(Math.max(...source.reads.slice(opening))).toBe(100 * file.header.bytesPerSample);
    expect(Math.max(...source.reads.slice(0, opening))).toBeLessThan(64 * 1024);
  });

  it("reads a scalar through its accessor exactly as through get", async () => {
    const file = await openIbt(memorySource(await fixtureBytes(name)));
    const speed = file.numberAccessor("Speed");
    for await (const sample of file.samples({ to: 50 })) {
      expect(speed(sample)).toBe(sample.get("Speed"));
    }
    expect(() => file.numberAccessor("SteeringWheelTorque_ST")).toThrow(TypeError);
    expect(() => file.accessor("NoSuchChannel")).toThrow(/no variable named "NoSuchChannel"/);
  });

  it("rejects sample ranges and batch sizes outside the recording", async () => {
    const file = await openIbt(memorySource(await fixtureBytes(name)));
    const drain = async (range: object) => {
      for await (const _ of file.batches(range)) break;
    };
    await expect(drain({ from: -1 })).rejects.toThrow(RangeError);
    await expect(drain({ to: file.sampleCount + 1 })).rejects.toThrow(RangeError);
    await expect(drain({ from: 10, to: 5 })).rejects.toThrow(RangeError);
    await expect(drain({ batch: 0 })).rejects.toThrow(/batch size 0/);
    await expect(file.sample(file.sampleCount)).rejects.toThrow(RangeError);
  });
});

describe("decoding each variable type", () => {
  it("reads every type from unaligned offsets, little-endian, arrays as arrays", async () => {
    const variables = [
      { name: "Char", type: 0 },
      { name: "Flag", type: 1 },
      { name: "Gear", type: 2 },
      { name: "Flags", type: 3 },
      { name: "Temps", type: 4, count: 3 },
      { name: "Time", type: 5 },
      { name: "Wet", type: 1, count: 2 },
    ];
    const sample = {
      Char: 65,
      Flag: true,
      Gear: -1,
      Flags: 0x80000001,
      Temps: [20.5, -3.25, 100],
      Time: 932.000000635264,
      Wet: [false, true],
    };
    const file = await openIbt(
      memorySource(buildIbt({ variables, yaml: "A: 1\n", samples: [sample] })),
    );
    expect(file.variables.map((v) => v.offset)).toEqual([0, 1, 2, 6, 10, 22, 30]);
    const read = await file.sample(0);
    expect(Object.fromEntries(variables.map((v) => [v.name, read.get(v.name)]))).toEqual(sample);
    expect(read.boolean("Flag")).toBe(true);
    expect(() => read.number("Temps")).toThrow(TypeError);
    expect(read.has("Nope")).toBe(false);
  });
});
