import {
  accessSync,
  closeSync,
  constants,
  existsSync,
  fstatSync,
  ftruncateSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
  writeSync,
} from "node:fs";
import { homedir, tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { slug } from "../../src/ibt/meta";
import type { SpoolStore } from "./spool";

/**
 * The journal's file when `--spool` is not given: one per server, in the home directory (the
 * temporary directory when the home directory cannot be written).
 */
export function defaultSpoolPath(url: string): string {
  const name = `${slug(url, 80) || "server"}.jsonl`;
  for (const base of [homedir(), tmpdir()]) {
    const dir = join(base, ".rustegrate", "bridge");
    try {
      mkdirSync(dir, { recursive: true });
      accessSync(dir, constants.W_OK);
      return join(dir, name);
    } catch {
      // not writable: the next place
    }
  }
  return join(tmpdir(), name);
}

/** Another bridge holds the journal (its lock file names a live process). */
export class SpoolLockedError extends Error {
  constructor(path: string, pid: number) {
    super(`${path} is in use by another bridge (process ${pid}): give this one its own --spool`);
    this.name = "SpoolLockedError";
  }
}

/**
 * The journal as a file of JSON lines: appended to as batches come and go, rewritten through a
 * temporary file and a rename, so a crash leaves either the old journal or the new one. A
 * `.lock` file beside it keeps two bridges from sharing it.
 */
export function spoolFile(path: string): SpoolStore {
  mkdirSync(dirname(path), { recursive: true });
  const lock = `${path}.lock`;
  takeLock(lock, path);
  let fd = openSync(path, "a+");

  return {
    path,
    load() {
      const text = readFileSync(path, "utf8");
      const end = text.lastIndexOf("\n") + 1;
      // A line cut short by a crash would glue itself to the next one appended: cut it off.
      if (end < Buffer.byteLength(text)) ftruncateSync(fd, Buffer.byteLength(text.slice(0, end)));
      return text.slice(0, end).split("\n").filter(Boolean);
    },
    append(text) {
      writeSync(fd, text);
    },
    rewrite(text) {
      const tmp = `${path}.tmp`;
      writeFileSync(tmp, text);
      renameSync(tmp, path);
      closeSync(fd);
      fd = openSync(path, "a+");
    },
    size: () => fstatSync(fd).size,
    close() {
      closeSync(fd);
      rmSync(lock, { force: true });
    },
  };
}

function takeLock(lock: string, path: string): void {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(lock, String(process.pid), { flag: "wx" });
      return;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    }
    const pid = Number(existsSync(lock) ? readFileSync(lock, "utf8") : "");
    if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && alive(pid)) {
      throw new SpoolLockedError(path, pid);
    }
    rmSync(lock, { force: true }); // left by a bridge that died
  }
  throw new Error(`cannot lock ${path}`);
}

/**
 * Whether `pid` is a running bridge: a live process with `bridge` among its arguments where
 * /proc tells; elsewhere any live process counts.
 */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EPERM") return false;
  }
  // A number reused by another program since the bridge that wrote it died is not a holder.
  const cmdline = `/proc/${pid}/cmdline`;
  return !existsSync(cmdline) || readFileSync(cmdline, "utf8").split("\0").includes("bridge");
}
