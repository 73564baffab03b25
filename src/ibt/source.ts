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

/**
 * A source over bytes held as the chunks they arrived in (a request body): nothing is copied
 * into one buffer; a read that spans chunks copies just its own window.
 */
export function chunkSource(chunks: readonly Uint8Array[]): ByteSource {
  const starts: number[] = [];
  let size = 0;
  for (const chunk of chunks) {
    starts.push(size);
    size += chunk.byteLength;
  }
  // The last chunk that starts at or before `offset`.
  const chunkAt = (offset: number): number => {
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((starts[mid] as number) <= offset) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  };
  return {
    size,
    read: async (offset, length) => {
      const end = Math.min(size, offset + length);
      if (offset >= end) return new Uint8Array(0);
      let i = chunkAt(offset);
      const first = chunks[i] as Uint8Array;
      const start = offset - (starts[i] as number);
      if (start + (end - offset) <= first.byteLength)
        return first.subarray(start, start + end - offset);
      const out = new Uint8Array(end - offset);
      let at = 0;
      let from = start;
      while (at < out.byteLength) {
        const chunk = chunks[i++] as Uint8Array;
        const part = chunk.subarray(from, from + (out.byteLength - at));
        out.set(part, at);
        at += part.byteLength;
        from = 0;
      }
      return out;
    },
  };
}

/** A source read once, front to back, as its bytes arrive (a request body). */
export interface StreamSource extends ByteSource {
  /** Reads (and drops) whatever the reader did not ask for: the end of the stream. */
  drain(): Promise<void>;
}

/**
 * A source over a stream of `size` bytes that keeps only the window being read: memory stays
 * at a few windows whatever the size. Reads must move forward, as the reader's do on a file
 * laid out as iRacing writes it (headers, variable headers, session info, then samples); a read
 * behind one already served is refused as a layout this source cannot follow.
 */
export function streamSource(chunks: AsyncIterator<Uint8Array>, size: number): StreamSource {
  const held: Uint8Array[] = [];
  let base = 0; // offset of held[0]
  let heldBytes = 0;
  let done = false;
  const pull = async (): Promise<boolean> => {
    if (done) return false;
    const next = await chunks.next();
    if (next.done) {
      done = true;
      return false;
    }
    held.push(next.value);
    heldBytes += next.value.byteLength;
    return true;
  };
  const dropBefore = (offset: number) => {
    while (held.length > 0 && base + (held[0] as Uint8Array).byteLength <= offset) {
      const first = held.shift() as Uint8Array;
      base += first.byteLength;
      heldBytes -= first.byteLength;
    }
  };
  return {
    size,
    read: async (offset, length) => {
      if (offset < base) {
        throw new IbtFormatError(
          `offset ${offset} lies before bytes already read (at ${base}): the file is not laid out in order`,
        );
      }
      const end = Math.min(size, offset + length);
      while (base + heldBytes < end && (await pull())) dropBefore(offset);
      dropBefore(offset);
      return chunkSource(held).read(offset - base, end - offset);
    },
    drain: async () => {
      while (await pull()) dropBefore(base + heldBytes);
    },
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
