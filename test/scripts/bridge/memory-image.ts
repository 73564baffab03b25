import type { MemorySource } from "../../../scripts/bridge/memory-source";

/**
 * iRacing's live memory built from a `.ibt` recording, and a writer that plays the recording
 * into it tick by tick as the sim does: the sample goes into the buffer holding the oldest tick,
 * then that buffer's tickCount is published (or, `tickFirst`, the other way round). The header
 * is the recording's without the disk sub-header, with `numBuf` rotating buffers, the session
 * info in a region with room to grow, `status & 1` while connected. Every write also goes to
 * `sink` (a file written in place, for the CLI tests). Transport-free: the workerd test uses it.
 */

export interface MemoryImageOptions {
  buffers?: number;
  /** Publish tickCount before the sample's bytes (a writer that gets the order wrong). */
  tickFirst?: boolean;
  /** Called with every write, after the image itself changed. */
  sink?: (offset: number, bytes: Uint8Array) => void;
  /** The tickCount of the first tick (1 by default; unwritten buffers stay at 0). */
  firstTick?: number;
}

const VAR_BUF = 48;

export class MemoryImage {
  readonly bytes: Uint8Array;
  /** Samples in the recording. */
  readonly samples: number;
  readonly bufferCount: number;
  readonly bufferOffset: number;
  readonly bytesPerSample: number;
  readonly #ibt: Uint8Array;
  readonly #dataOffset: number;
  readonly #infoOffset: number;
  readonly #infoRoom: number;
  readonly #opts: MemoryImageOptions;
  readonly #view: DataView;
  #slot = 0;
  #tick = 0;
  #infoUpdate = 0;
  #pending: (() => void) | undefined;

  constructor(ibt: Uint8Array, opts: MemoryImageOptions = {}) {
    this.#ibt = ibt;
    this.#opts = opts;
    this.#tick = (opts.firstTick ?? 1) - 1;
    const src = new DataView(ibt.buffer, ibt.byteOffset, ibt.byteLength);
    const int = (at: number) => src.getInt32(at, true);
    const [infoLength, infoAt, vars, varAt, bps] = [int(16), int(20), int(24), int(28), int(36)];
    this.#dataOffset = int(52);
    const recorded = int(140);
    this.samples = recorded > 0 ? recorded : Math.floor((ibt.byteLength - this.#dataOffset) / bps);
    this.bytesPerSample = bps;
    this.bufferCount = opts.buffers ?? 3;
    const varBytes = vars * 144;
    this.#infoOffset = 144 + varBytes;
    this.#infoRoom = Math.max(2 * infoLength, infoLength + 8192);
    this.bufferOffset = Math.ceil((this.#infoOffset + this.#infoRoom) / 16) * 16;
    this.bytes = new Uint8Array(this.bufferOffset + this.bufferCount * bps);
    this.#view = new DataView(this.bytes.buffer);
    const header = [2, 0, int(8), 0, this.#infoRoom, this.#infoOffset, vars, 144, this.bufferCount];
    for (const [i, value] of header.entries()) this.#view.setInt32(i * 4, value, true);
    this.#view.setInt32(36, bps, true);
    for (let slot = 0; slot < this.bufferCount; slot++) {
      this.#view.setInt32(VAR_BUF + slot * 16 + 4, this.bufferOffset + slot * bps, true);
    }
    this.bytes.set(ibt.subarray(varAt, varAt + varBytes), 144);
    this.bytes.set(ibt.subarray(infoAt, infoAt + infoLength), this.#infoOffset);
  }

  /** The session-info YAML the recording came with. */
  get sessionInfo(): string {
    const region = this.bytes.subarray(this.#infoOffset, this.#infoOffset + this.#infoRoom);
    const end = region.indexOf(0);
    return new TextDecoder().decode(end === -1 ? region : region.subarray(0, end));
  }

  /** Ticks published so far. */
  get ticks(): number {
    return this.#tick - ((this.#opts.firstTick ?? 1) - 1);
  }

  /** Sets `status & 1`. */
  setConnected(connected: boolean): void {
    this.#int(4, connected ? 1 : 0);
  }

  /**
   * Plays recorded sample `index` as the next tick. With `tickFirst`, the count is published
   * now and the bytes only at `finishTick()` (a reader may look in between).
   */
  writeTick(index: number): void {
    this.finishTick();
    const slot = this.#slot;
    this.#slot = (slot + 1) % this.bufferCount;
    const at = this.#dataOffset + index * this.bytesPerSample;
    const data = this.#ibt.subarray(at, at + this.bytesPerSample);
    const tick = ++this.#tick;
    const fill = () => this.#write(this.bufferOffset + slot * this.bytesPerSample, data);
    if (this.#opts.tickFirst) {
      this.#int(VAR_BUF + slot * 16, tick);
      this.#pending = fill;
      return;
    }
    fill();
    this.#int(VAR_BUF + slot * 16, tick);
  }

  /** Writes the bytes of a tick whose count was published first. */
  finishTick(): void {
    const pending = this.#pending;
    this.#pending = undefined;
    pending?.();
  }

  /** Rewrites the session info and increments sessionInfoUpdate, as the sim does. */
  setSessionInfo(yaml: string): void {
    const text = new TextEncoder().encode(yaml);
    if (text.byteLength >= this.#infoRoom) throw new RangeError("session info too long");
    const region = new Uint8Array(this.#infoRoom);
    region.set(text);
    this.#write(this.#infoOffset, region);
    this.#int(12, ++this.#infoUpdate);
  }

  #int(at: number, value: number): void {
    const bytes = new Uint8Array(4);
    new DataView(bytes.buffer).setInt32(0, value, true);
    this.#write(at, bytes);
  }

  #write(offset: number, bytes: Uint8Array): void {
    this.bytes.set(bytes, offset);
    this.#opts.sink?.(offset, bytes);
  }
}

/**
 * A MemorySource over an image in memory. `onRead` runs before each copy (a test can make the
 * writer move mid-copy there); `onWait` runs at each wait for data (a test moves its writer and
 * its clock there).
 */
export function imageSource(
  image: MemoryImage,
  hooks: {
    onRead?: (offset: number, length: number, copy: () => Uint8Array) => Uint8Array;
    onWait?: (timeoutMs: number) => void;
  } = {},
): MemorySource {
  let waits = 0;
  return {
    description: "memory image",
    open: () => true,
    size: () => image.bytes.byteLength,
    read(offset, length) {
      const copy = () => image.bytes.slice(offset, offset + length);
      return hooks.onRead ? hooks.onRead(offset, length, copy) : copy();
    },
    waitForData(timeoutMs) {
      hooks.onWait?.(timeoutMs);
      // A macrotask now and then, so requests in flight progress; microtasks otherwise (fast).
      if (++waits % 16 !== 0) return Promise.resolve();
      return new Promise((resolve) => setTimeout(resolve, 0));
    },
    close() {},
  };
}
