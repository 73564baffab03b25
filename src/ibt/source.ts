import { IbtFormatError } from "./errors";

/**
 * Random access to the bytes of a recording. The reader asks only for bounded windows, so a
 * source can be a file, an R2 object with range reads or an in-memory buffer.
 */
export interface ByteSource {
  /** Total length in bytes. */
  readonly size: number;
  /** Up to `length` bytes from `offset`; fewer only at the end of the source. */
  read(offset: number, length: number): Promise<Uint8Array>;
}

/** A source over bytes already in memory (a request body, a test fixture). */
export function memorySource(bytes: Uint8Array): ByteSource {
  return {
    size: bytes.byteLength,
    read: async (offset, length) => bytes.subarray(offset, offset + length),
  };
}

/** Reads exactly `length` bytes, or explains that the source ended early. */
export async function readExact(
  source: ByteSource,
  offset: number,
  length: number,
  what: string,
): Promise<Uint8Array> {
  const bytes = await source.read(offset, length);
  if (bytes.byteLength < length) {
    throw new IbtFormatError(
      `${what}: wanted ${length} bytes at offset ${offset} but the source returned ` +
        `${bytes.byteLength} (file truncated?)`,
    );
  }
  return bytes.byteLength === length ? bytes : bytes.subarray(0, length);
}

/** A little-endian view over exactly the bytes of `bytes`, wherever they sit in their buffer. */
export function viewOf(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
