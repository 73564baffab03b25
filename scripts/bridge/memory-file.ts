import { closeSync, fstatSync, openSync, readSync, statSync } from "node:fs";
import type { MemorySource } from "./memory-source";

// How often an open file is checked for having been replaced (a writer that recreates it).
const REPLACED_CHECK_MS = 1000;

/**
 * `--memory-file <path>`: the live memory's layout in a file that another process updates in
 * place. There is no data-valid signal, so the bridge polls: every read is a positional read
 * (pread) on one open descriptor, of the header and then only the buffers it needs. A file that
 * is missing is waited for; a file replaced by a new one (another inode) is reopened.
 */
export function memoryFile(path: string, now: () => number = Date.now): MemorySource {
  let fd: number | undefined;
  let inode: number | undefined;
  let checkedAt = 0;

  const close = () => {
    if (fd !== undefined) closeSync(fd);
    fd = undefined;
    inode = undefined;
  };
  const replaced = (): boolean => {
    try {
      return statSync(path).ino !== inode;
    } catch {
      return true; // removed: the next open() waits for it again
    }
  };

  return {
    description: path,
    open() {
      if (fd !== undefined && now() - checkedAt >= REPLACED_CHECK_MS) {
        checkedAt = now();
        if (replaced()) close();
      }
      if (fd !== undefined) return true;
      try {
        fd = openSync(path, "r");
        inode = fstatSync(fd).ino;
        checkedAt = now();
        return true;
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code === "ENOENT") return false;
        throw error;
      }
    },
    size: () => (fd === undefined ? 0 : fstatSync(fd).size),
    read(offset, length) {
      const out = new Uint8Array(Math.max(0, length));
      if (fd === undefined) return out.subarray(0, 0);
      let filled = 0;
      // A positional read may return fewer bytes than asked for; loop until full or the end.
      while (filled < out.byteLength) {
        const n = readSync(fd, out, filled, out.byteLength - filled, offset + filled);
        if (n === 0) break;
        filled += n;
      }
      return out.subarray(0, filled);
    },
    waitForData: (timeoutMs) => new Promise((resolve) => setTimeout(resolve, timeoutMs)),
    close,
  };
}
