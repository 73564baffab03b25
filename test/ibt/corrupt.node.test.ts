import { describe, expect, it } from "vitest";
import { type ByteSource, IbtFormatError, memorySource, openIbt } from "../../src/ibt";
import { buildIbt } from "./build";
import { fixtureBytes, W13 } from "./fixtures";

// W13 layout: headers 0–144, 276 variable headers 144–39888, session info 39888–53764,
// then 390 samples of 1072 bytes.
const SAMPLES_AT = 53764;

async function rejects(bytes: Uint8Array | ByteSource, message: RegExp): Promise<void> {
  const source = bytes instanceof Uint8Array ? memorySource(bytes) : bytes;
  const error = await openIbt(source).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(IbtFormatError);
  expect((error as Error).message).toMatch(message);
}

async function patched(patch: (view: DataView, bytes: Uint8Array) => void): Promise<Uint8Array> {
  const bytes = await fixtureBytes(W13);
  patch(new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength), bytes);
  return bytes;
}

describe("opening a corrupt or truncated recording", () => {
  it.each([
    [0, /file is 0 bytes, shorter than the 144-byte headers/],
    [100, /file is 100 bytes/],
    [1000, /276 variable headers at offset 144 would end at byte 39888, outside the 1000-byte/],
    [45_000, /session info of 13876 bytes at offset 39888 lies outside the 45000-byte file/],
    [SAMPLES_AT, /record count 390 at 1072 bytes per sample needs 471844 bytes but .* 53764/],
    [SAMPLES_AT + 100 * 1072 + 17, /record count 390 at 1072 bytes per sample needs 471844 bytes/],
  ])("rejects the file truncated to %i bytes", async (length, message) => {
    await rejects((await fixtureBytes(W13)).subarray(0, length), message);
  });

  it.each([0, 3, -1])(
    "rejects header version %i, naming it and the versions read",
    async (version) => {
      const message = new RegExp(
        `unsupported header version ${version} at offset 0: this reader reads versions 1 and 2`,
      );
      await rejects(await patched((v) => v.setInt32(0, version, true)), message);
    },
  );

  it("rejects a variable count far larger than the file", async () => {
    const bytes = await patched((v) => v.setInt32(24, 0x7fffffff, true));
    await rejects(bytes, /2147483647 variable headers .* outside the 471844-byte file/);
  });

  it("rejects header offsets past the end of the file", async () => {
    await rejects(
      await patched((v) => v.setInt32(28, 500_000, true)),
      /variable headers at offset 500000/,
    );
    await rejects(
      await patched((v) => v.setInt32(20, 500_000, true)),
      /session info .* at offset 500000/,
    );
    await rejects(await patched((v) => v.setInt32(52, 500_000, true)), /sample data offset 500000/);
    await rejects(await patched((v) => v.setInt32(16, -1, true)), /session info of -1 bytes/);
  });

  it("rejects bytes per sample that disagree with the record count or the variables", async () => {
    await rejects(
      await patched((v) => v.setInt32(36, 1073, true)),
      /record count 390 at 1073 bytes/,
    );
    await rejects(
      await patched((v) => v.setInt32(36, 1000, true)),
      /outside the 1000 bytes per sample/,
    );
    await rejects(await patched((v) => v.setInt32(36, 0, true)), /bytes per sample 0/);
  });

  it("rejects a record count larger than the file holds", async () => {
    await rejects(await patched((v) => v.setInt32(140, 391, true)), /record count 391/);
  });

  it("rejects a variable whose offset lies beyond the bytes per sample", async () => {
    const bytes = await patched((v) => v.setInt32(144 + 3 * 144 + 4, 1070, true));
    await rejects(bytes, /variable #3 ".+" occupies bytes 1070 to 1074 .* 1072 bytes per sample/);
  });

  it("rejects an unknown variable type and an empty element count", async () => {
    await rejects(
      await patched((v) => v.setInt32(144, 9, true)),
      /variable #0 ".+" has unknown type 9/,
    );
    await rejects(await patched((v) => v.setInt32(144 + 8, 0, true)), /element count 0/);
  });

  it("rejects session info that does not parse as YAML", async () => {
    const yaml = "WeekendInfo:\n - a\n b: c\n";
    const bytes = buildIbt({ variables: [{ name: "Speed", type: 4 }], yaml, samples: [{}] });
    await rejects(bytes, /session info YAML at offset 288 does not parse: /);
    const scalar = buildIbt({
      variables: [{ name: "Speed", type: 4 }],
      yaml: "just text\n",
      samples: [],
    });
    await rejects(scalar, /session info YAML at offset 288 is not a mapping/);
  });

  it("rejects a source that returns fewer bytes than it claims", async () => {
    const bytes = await fixtureBytes(W13);
    const lying = { size: bytes.byteLength, read: async () => new Uint8Array(10) };
    await rejects(lying, /headers: wanted 144 bytes at offset 0 but the source returned 10/);
  });

  it("fails mid-stream with IbtFormatError when the source ends early", async () => {
    const bytes = await fixtureBytes(W13);
    const shrinking: ByteSource = {
      size: bytes.byteLength,
      read: async (o, l) => bytes.subarray(o, Math.min(o + l, SAMPLES_AT + 200 * 1072)),
    };
    const file = await openIbt(shrinking);
    const drain = async () => {
      for await (const _ of file.samples({ batch: 64 }));
    };
    await expect(drain()).rejects.toThrow(/sample data: wanted .* \(file truncated\?\)/);
  });
});

describe("counting samples", () => {
  it("derives the count from the file size when the record count was never written", async () => {
    const bytes = await patched((v) => v.setInt32(140, 0, true));
    const padded = new Uint8Array(bytes.byteLength + 500);
    padded.set(bytes);
    const file = await openIbt(memorySource(padded));
    expect(file.sampleCount).toBe(390);
    expect(file.sampleCountSource).toBe("fileSize");
  });
});
