/**
 * Where the live memory's bytes come from: iRacing's memory-mapped file on Windows
 * (windows.ts), a file another process updates in place (memory-file.ts), or bytes in memory
 * (the tests). The bridge needs only these calls, so everything above this interface runs the
 * same on every platform. Reads are copies: the writer may change the memory at any moment, and
 * the tick follower checks each copy against the header afterwards.
 */
export interface MemorySource {
  /** What is read, for messages ("iRacing (Local\\IRSDKMemMapFileName)", a path). */
  readonly description: string;
  /** Opens, or checks that it is still open; false while the memory does not exist yet. */
  open(): boolean;
  /** Bytes of memory there are now (0 when not open). */
  size(): number;
  /** A copy of up to `length` bytes at `offset`; fewer where the memory ends. */
  read(offset: number, length: number): Uint8Array;
  /**
   * Resolves when new data may be there: at the sim's data-valid signal where there is one,
   * else after `timeoutMs` (a file has no signal: it is polled).
   */
  waitForData(timeoutMs: number): Promise<void>;
  /** Releases the memory; `open()` may open it again. */
  close(): void;
}
