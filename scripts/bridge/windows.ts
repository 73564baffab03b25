import type { MemorySource } from "./memory-source";

/**
 * iRacing's own source on Windows: the memory-mapped file `Local\IRSDKMemMapFileName`, opened
 * read-only, and the event `Local\IRSDKDataValidEvent` the sim sets at every tick (60 Hz).
 * The Win32 calls go through koffi, an FFI package installed as an optional dependency and
 * loaded only here, only on Windows. This file is the one part of the bridge the Linux tests
 * cannot exercise: they drive everything above MemorySource through `--memory-file`.
 */

const MAP_NAME = "Local\\IRSDKMemMapFileName";
const EVENT_NAME = "Local\\IRSDKDataValidEvent";
const FILE_MAP_READ = 0x0004;
const SYNCHRONIZE = 0x0010_0000;
const WAIT_FAILED = 0xffff_ffff;

/** Opens iRacing's live memory through the Win32 API; throws off Windows or without koffi. */
export async function iracingMemory(): Promise<MemorySource> {
  if (process.platform !== "win32") {
    throw new Error(
      "reading iRacing's memory needs Windows; elsewhere use --memory-file <path> " +
        "with a file that holds the same layout",
    );
  }
  let koffi: typeof import("koffi").default;
  try {
    koffi = (await import("koffi")).default;
  } catch {
    throw new Error("the koffi package is not installed: run pnpm install on this machine");
  }
  const kernel32 = koffi.load("kernel32.dll");
  const HANDLE = koffi.pointer("HANDLE", koffi.opaque());
  const MBI = koffi.struct("MEMORY_BASIC_INFORMATION", {
    BaseAddress: "void *",
    AllocationBase: "void *",
    AllocationProtect: "uint32_t",
    PartitionId: "uint16_t",
    RegionSize: "size_t",
    State: "uint32_t",
    Protect: "uint32_t",
    Type: "uint32_t",
  });
  const OpenFileMappingW = kernel32.func("__stdcall", "OpenFileMappingW", HANDLE, [
    "uint32_t",
    "int",
    "str16",
  ]);
  const MapViewOfFile = kernel32.func("__stdcall", "MapViewOfFile", "void *", [
    HANDLE,
    "uint32_t",
    "uint32_t",
    "uint32_t",
    "size_t",
  ]);
  const VirtualQuery = kernel32.func("__stdcall", "VirtualQuery", "size_t", [
    "void *",
    koffi.out(koffi.pointer(MBI)),
    "size_t",
  ]);
  const UnmapViewOfFile = kernel32.func("__stdcall", "UnmapViewOfFile", "int", ["void *"]);
  const OpenEventW = kernel32.func("__stdcall", "OpenEventW", HANDLE, ["uint32_t", "int", "str16"]);
  const WaitForSingleObject = kernel32.func("__stdcall", "WaitForSingleObject", "uint32_t", [
    HANDLE,
    "uint32_t",
  ]);
  const CloseHandle = kernel32.func("__stdcall", "CloseHandle", "int", [HANDLE]);

  let mapping: unknown = null;
  let event: unknown = null;
  let base: unknown = null;
  let view: Uint8Array | undefined;

  const close = () => {
    if (base) UnmapViewOfFile(base);
    if (mapping) CloseHandle(mapping);
    if (event) CloseHandle(event);
    mapping = event = base = null;
    view = undefined;
  };

  return {
    description: `iRacing (${MAP_NAME})`,
    open() {
      if (view) return true;
      mapping = OpenFileMappingW(FILE_MAP_READ, 0, MAP_NAME);
      if (!mapping) return false; // iRacing is not running
      base = MapViewOfFile(mapping, FILE_MAP_READ, 0, 0, 0);
      if (!base) {
        close();
        return false;
      }
      const info: { RegionSize?: number | bigint } = {};
      VirtualQuery(base, info, koffi.sizeof(MBI));
      view = new Uint8Array(koffi.view(base, Number(info.RegionSize ?? 0)));
      event = OpenEventW(SYNCHRONIZE, 0, EVENT_NAME);
      return true;
    },
    size: () => view?.byteLength ?? 0,
    // slice(): a copy, checked against the header afterwards (the sim writes all the time).
    read: (offset, length) => (view ? view.slice(offset, offset + length) : new Uint8Array(0)),
    waitForData(timeoutMs) {
      if (!event) return new Promise((resolve) => setTimeout(resolve, timeoutMs));
      // Asynchronous: the wait runs on koffi's worker thread, not on the event loop.
      return new Promise((resolve) => {
        WaitForSingleObject.async(event, Math.ceil(timeoutMs), (_err: unknown, rc: number) => {
          if (rc === WAIT_FAILED) setTimeout(resolve, timeoutMs);
          else resolve();
        });
      });
    },
    close,
  };
}
