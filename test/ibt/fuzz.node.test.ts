import { describe, expect, it } from "vitest";
import { IbtFormatError, memorySource, openIbt, streamSource } from "../../src/ibt";
import { replayBatches } from "../../src/ibt/batches";
import { recordingMeta } from "../../src/ibt/meta";
import { fixtureBytes, W13 } from "./fixtures";

/**
 * Damaged recordings through everything an upload runs (open, metadata, conversion and
 * batching), as the API reads them: the only failure allowed is IbtFormatError, which the API
 * answers with 422. Anything else (a RangeError from a view, a TypeError) would be a 500.
 */
async function readAll(bytes: Uint8Array, streamed: boolean): Promise<number> {
  async function* once() {
    yield bytes;
  }
  const source = streamed ? streamSource(once(), bytes.byteLength) : memorySource(bytes);
  const file = await openIbt(source);
  const meta = recordingMeta(file);
  let samples = 0;
  for await (const batch of replayBatches(file, meta, {
    sessionId: "fuzz",
    batchMs: 120_000,
  })) {
    samples += batch.samples.length;
  }
  return samples;
}

async function outcome(bytes: Uint8Array, streamed = false): Promise<"read" | "refused"> {
  try {
    await readAll(bytes, streamed);
    return "read";
  } catch (err) {
    if (err instanceof IbtFormatError) return "refused";
    throw err;
  }
}

function lcg(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1_103_515_245) + 12_345) >>> 0;
    return s / 2 ** 32;
  };
}

describe("damaged recordings", () => {
  it("refuses the file cut at every byte of its headers and at sample boundaries, never throwing anything else", async () => {
    const original = await fixtureBytes(W13);
    const file = await openIbt(memorySource(original));
    const { sampleDataOffset, bytesPerSample } = file.header;
    const cuts = new Set<number>();
    for (let at = 0; at <= 400; at++) cuts.add(at);
    for (let at = 144; at < sampleDataOffset; at += 97) cuts.add(at);
    for (let k = 0; k < 5; k++) cuts.add(sampleDataOffset + k * bytesPerSample + (k % 2));
    cuts.add(original.byteLength - 1);
    for (const cut of cuts) {
      expect(await outcome(original.subarray(0, cut)), `cut at ${cut}`).toBe("refused");
    }
  });

  it("answers 600 random mutations of headers, variable headers, session info and samples with a read or an IbtFormatError", async () => {
    const original = await fixtureBytes(W13);
    const { sampleDataOffset } = (await openIbt(memorySource(original))).header;
    const random = lcg(4_122_026);
    const seen = { read: 0, refused: 0 };
    for (let round = 0; round < 600; round++) {
      const bytes = original.slice();
      const flips = 1 + Math.floor(random() * 6);
      for (let i = 0; i < flips; i++) {
        const where = random();
        // Half in the first 144 bytes (the fields), most of the rest before the samples.
        const at =
          where < 0.5
            ? Math.floor(random() * 144)
            : Math.floor(random() * (where < 0.9 ? sampleDataOffset : bytes.byteLength));
        bytes[at] = Math.floor(random() * 256);
      }
      seen[await outcome(bytes, round % 2 === 0)]++;
    }
    expect(seen.refused).toBeGreaterThan(50);
    expect(seen.read).toBeGreaterThan(50);
  });

  it("refuses absurd counts and offsets written into the header", async () => {
    const original = await fixtureBytes(W13);
    // Offsets of the int32 fields: session-info length 16 and offset 20, variable count 24,
    // variable-header offset 28, buffer count 32, bytes per sample 36, first buffer offset 52.
    for (const field of [16, 20, 24, 28, 32, 36, 52]) {
      for (const value of [-1, 0, 1, 0x7fffffff, -0x80000000, original.byteLength]) {
        const bytes = original.slice();
        new DataView(bytes.buffer).setInt32(field, value, true);
        const got = await outcome(bytes);
        expect(["read", "refused"], `field ${field} = ${value}`).toContain(got);
      }
    }
  });
});
