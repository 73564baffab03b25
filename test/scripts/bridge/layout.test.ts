import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  checkHeader,
  decodeHeader,
  isConnected,
  readHeader,
  readLayout,
  readSessionInfo,
} from "../../../scripts/bridge/layout";
import { IbtFormatError, memorySource, openIbt } from "../../../src/ibt";
import { imageSource, MemoryImage } from "./memory-image";
import { renamed, twoSessions } from "./recordings";

// iRacing's live-memory layout over a byte view, checked against memory images of the real
// recordings: the same variables and session info as the .ibt reader finds in the file.

const fixture = (name: string) =>
  new Uint8Array(readFileSync(new URL(`../../fixtures/ibt/${name}`, import.meta.url)));

describe("the live memory layout", () => {
  it.each(["amg-gt4_red-bull-ring.ibt", "w13_red-bull-ring.ibt"])(
    "reads the variables and session info of %s as the .ibt reader does",
    async (name) => {
      const bytes = fixture(name);
      const file = await openIbt(memorySource(bytes));
      const image = new MemoryImage(bytes);
      const source = imageSource(image);
      const header = readHeader(source);
      expect(header).toMatchObject({
        version: 2,
        tickRate: 60,
        bufferCount: 3,
        bufferLength: file.header.bytesPerSample,
        variableCount: file.variables.length,
      });
      expect(header && isConnected(header)).toBe(false);
      image.setConnected(true);
      const live = readHeader(source);
      expect(live && isConnected(live)).toBe(true);
      const layout = readLayout(source, live as NonNullable<typeof live>);
      expect(layout.variables).toEqual(file.variables);
      expect(readSessionInfo(source, live as NonNullable<typeof live>)?.info).toEqual(
        file.sessionInfo,
      );
      // A tick's SessionTime straight from its buffer.
      image.writeTick(5);
      const tick = readHeader(source)?.buffers[0];
      const time = layout.sessionTime();
      const first = (await file.sample(5)).number("SessionTime");
      expect(time?.(source.read(tick?.offset ?? 0, layout.header.bufferLength))).toBe(first);
    },
  );

  it("refuses a header whose parts lie outside the memory, naming the field and offset", () => {
    const image = new MemoryImage(fixture("w13_red-bull-ring.ibt"));
    const size = image.bytes.byteLength;
    const header = decodeHeader(image.bytes);
    if (!header) throw new Error("no header");
    const fails = (patch: Partial<typeof header>, message: RegExp) =>
      expect(() => checkHeader({ ...header, ...patch }, size)).toThrow(message);
    expect(() => checkHeader(header, size)).not.toThrow();
    fails({ version: 3 }, /unsupported header version 3 at offset 0/);
    fails({ bufferCount: 5 }, /buffer count 5 at offset 32/);
    fails({ sessionInfoLength: size }, /session info of \d+ bytes at offset \d+ lies outside/);
    const buffers = header.buffers.map((b, slot) => (slot === 2 ? { ...b, offset: size - 10 } : b));
    fails({ buffers }, /buffer 2 \(varBuf at offset 80\)/);
    expect(() => checkHeader({ ...header, variableCount: 0 }, size)).toThrow(IbtFormatError);
  });

  it("takes a session info only when sessionInfoUpdate is the same after the copy", () => {
    const image = new MemoryImage(twoSessions());
    let rewrite = true;
    const source = imageSource(image, {
      onRead(_offset, length, copy) {
        const bytes = copy();
        // The sim rewrites the session info while the bridge copies it, once.
        if (length > 1000 && rewrite) {
          rewrite = false;
          image.setSessionInfo(renamed(image.sessionInfo));
        }
        return bytes;
      },
    });
    const before = readHeader(source);
    if (!before) throw new Error("no header");
    expect(readSessionInfo(source, before)).toBeUndefined();
    const after = readHeader(source);
    if (!after) throw new Error("no header");
    const info = readSessionInfo(source, after);
    expect(info?.update).toBe(1);
    expect(JSON.stringify(info?.info)).toContain("Second Driver");
  });
});
