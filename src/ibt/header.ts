import { IbtFormatError } from "./errors";
import { viewOf } from "./source";

/** Size of the main header (irsdk_header): the same in a recording and in iRacing's live memory. */
export const MAIN_HEADER_SIZE = 112;
/** Size of the main header plus the disk sub-header: the fixed prefix of every recording. */
export const HEADERS_SIZE = 144;
/** Size of one variable header. */
export const VAR_HEADER_SIZE = 144;
/**
 * The header versions this reader understands. Version 2 is what iRacing writes today; version 1
 * (recordings of 2015–16 and earlier) has the same layout for every field read here.
 */
export const SUPPORTED_VERSIONS: readonly number[] = [1, 2];
/** Real session info is well under 1 MB; a corrupt length must not make a reader copy more. */
export const MAX_SESSION_INFO = 16 * 1024 * 1024;

/** The 112-byte main header (irsdk_header). */
export interface IbtHeader {
  version: number;
  status: number;
  /** Samples per second (60 for disk recordings). */
  tickRate: number;
  sessionInfoUpdate: number;
  sessionInfoLength: number;
  sessionInfoOffset: number;
  variableCount: number;
  variableHeaderOffset: number;
  bufferCount: number;
  bytesPerSample: number;
  /** Where the samples start: the first buffer descriptor's offset. */
  sampleDataOffset: number;
}

/** The 32-byte disk sub-header (irsdk_diskSubHeader) at byte 112. */
export interface IbtDiskHeader {
  /** Wall-clock start of the recording, unix seconds. */
  startDate: number;
  /** Session time of the first sample, seconds. */
  startTime: number;
  /** Session time of the last sample, seconds. */
  endTime: number;
  /** Laps the recording touches, partial ones included (1 for a recording inside one lap). */
  lapCount: number;
  /** Samples iRacing says it wrote; 0 when the recording was never finalised. */
  recordCount: number;
}

/**
 * Decodes the main header's fields from its first 112 bytes, unchecked: a recording's (checked
 * by parseHeaders against the file) and the live memory's (scripts/bridge/layout.ts).
 */
export function decodeMainHeader(v: DataView): IbtHeader {
  const int = (at: number) => v.getInt32(at, true);
  return {
    version: int(0),
    status: int(4),
    tickRate: int(8),
    sessionInfoUpdate: int(12),
    sessionInfoLength: int(16),
    sessionInfoOffset: int(20),
    variableCount: int(24),
    variableHeaderOffset: int(28),
    bufferCount: int(32),
    bytesPerSample: int(36),
    sampleDataOffset: int(52),
  };
}

/** Decodes and checks the fixed 144-byte prefix against the file size. */
export function parseHeaders(bytes: Uint8Array, size: number) {
  const v = viewOf(bytes);
  const header = decodeMainHeader(v);
  const int = (at: number) => v.getInt32(at, true);
  const diskHeader: IbtDiskHeader = {
    startDate: Number(v.getBigInt64(112, true)),
    startTime: v.getFloat64(120, true),
    endTime: v.getFloat64(128, true),
    lapCount: int(136),
    recordCount: int(140),
  };
  checkHeader(header, size);
  return { header, diskHeader };
}

function checkHeader(h: IbtHeader, size: number): void {
  const fail = (message: string) => {
    throw new IbtFormatError(message);
  };
  if (!SUPPORTED_VERSIONS.includes(h.version)) {
    fail(
      `unsupported header version ${h.version} at offset 0: ` +
        `this reader reads versions ${SUPPORTED_VERSIONS.join(" and ")}`,
    );
  }
  if (h.tickRate <= 0) fail(`tick rate ${h.tickRate} is not positive`);
  if (h.bufferCount < 1 || h.bufferCount > 4) fail(`buffer count ${h.bufferCount} is not 1 to 4`);
  if (h.variableCount < 1) fail(`variable count ${h.variableCount} is not positive`);
  if (h.bytesPerSample < 1) fail(`bytes per sample ${h.bytesPerSample} is not positive`);

  const varEnd = h.variableHeaderOffset + h.variableCount * VAR_HEADER_SIZE;
  if (h.variableHeaderOffset < HEADERS_SIZE || varEnd > size) {
    fail(
      `${h.variableCount} variable headers at offset ${h.variableHeaderOffset} would end at ` +
        `byte ${varEnd}, outside the ${size}-byte file (variable count or offset corrupt)`,
    );
  }
  const infoEnd = h.sessionInfoOffset + h.sessionInfoLength;
  if (h.sessionInfoOffset < HEADERS_SIZE || h.sessionInfoLength < 0 || infoEnd > size) {
    fail(
      `session info of ${h.sessionInfoLength} bytes at offset ${h.sessionInfoOffset} lies ` +
        `outside the ${size}-byte file`,
    );
  }
  if (h.sessionInfoLength > MAX_SESSION_INFO) {
    fail(`session info length ${h.sessionInfoLength} exceeds the ${MAX_SESSION_INFO}-byte limit`);
  }
  if (h.sampleDataOffset < Math.max(varEnd, infoEnd) || h.sampleDataOffset > size) {
    fail(
      `sample data offset ${h.sampleDataOffset} is not between the end of the headers ` +
        `(${Math.max(varEnd, infoEnd)}) and the end of the ${size}-byte file`,
    );
  }
}

/** Where the sample count came from: the disk sub-header, or the file size when it is 0. */
export type SampleCountSource = "recordCount" | "fileSize";

/**
 * The number of samples. The disk sub-header's record count is used whenever it fits the file;
 * iRacing leaves it 0 when the sim stops before finalising, and then the count is derived from
 * the size (whole samples only). A count that does not fit means the file was cut short.
 */
export function countSamples(
  header: IbtHeader,
  disk: IbtDiskHeader,
  size: number,
): { count: number; source: SampleCountSource } {
  const room = Math.floor((size - header.sampleDataOffset) / header.bytesPerSample);
  if (disk.recordCount === 0) return { count: room, source: "fileSize" };
  if (disk.recordCount < 0 || disk.recordCount > room) {
    const need = header.sampleDataOffset + disk.recordCount * header.bytesPerSample;
    throw new IbtFormatError(
      `record count ${disk.recordCount} at ${header.bytesPerSample} bytes per sample needs ` +
        `${need} bytes but the file has ${size} (truncated, or bytes per sample corrupt)`,
    );
  }
  return { count: disk.recordCount, source: "recordCount" };
}
