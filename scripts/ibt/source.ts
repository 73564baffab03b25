import { open } from "node:fs/promises";
import type { ByteSource } from "../../src/ibt/source";

/** A ByteSource over a file on disk, read with positional reads; `close()` releases it. */
export async function fileSource(
  path: string | URL,
): Promise<ByteSource & { close(): Promise<void> }> {
  const handle = await open(path, "r");
  const { size } = await handle.stat();
  return {
    size,
    async read(offset, length) {
      const buffer = new Uint8Array(Math.max(0, Math.min(length, size - offset)));
      let filled = 0;
      // A positional read may return fewer bytes than asked for; loop until full or EOF.
      while (filled < buffer.byteLength) {
        const { bytesRead } = await handle.read(
          buffer,
          filled,
          buffer.byteLength - filled,
          offset + filled,
        );
        if (bytesRead === 0) break;
        filled += bytesRead;
      }
      return buffer.subarray(0, filled);
    },
    close: () => handle.close(),
  };
}
