import { IbtFormatError } from "../../src/ibt/errors";
import {
  decodeMainHeader,
  type IbtHeader,
  MAIN_HEADER_SIZE,
  MAX_SESSION_INFO,
  SUPPORTED_VERSIONS,
  VAR_HEADER_SIZE,
} from "../../src/ibt/header";
import { IbtFile } from "../../src/ibt/reader";
import { IbtLayout, IbtSample } from "../../src/ibt/sample";
import { parseSessionInfo, type SessionInfo } from "../../src/ibt/session-info";
import { memorySource, viewOf } from "../../src/ibt/source";
import { type IbtVariable, parseVariables } from "../../src/ibt/variables";
import type { MemorySource } from "./memory-source";

/**
 * iRacing's live memory over a byte view. Transport-free. The layout is the `.ibt` main header
 * (112 bytes) without the disk sub-header, the same variable headers and session-info YAML, and
 * `numBuf` rotating buffers of `bufLen` bytes described by `varBuf[4]` at byte 48, 16 bytes each:
 * `{tickCount, bufOffset, pad, pad}`. The header's fields, the variables and the YAML are decoded
 * by src/ibt's own parsers; only the checks differ from a recording's (no disk sub-header, the
 * rotating buffers instead of one sample area).
 */

const VAR_BUF_AT = 48;
const VAR_BUF_SIZE = 16;
const MAX_BUFFERS = 4;
/** irsdk_stConnected: the sim is running a session and publishing ticks. */
const CONNECTED = 1;

/** One rotating buffer: the tick it holds and where its bytes are. */
export interface TickBuffer {
  slot: number;
  tickCount: number;
  offset: number;
}

/** The live header (irsdk_header): the `.ibt` fields, with the rotating buffers for its samples. */
export interface MemoryHeader extends Omit<IbtHeader, "bytesPerSample" | "sampleDataOffset"> {
  /** Bytes of one tick (a recording's bytes per sample). */
  bufferLength: number;
  /** The first `bufferCount` entries of varBuf. */
  buffers: TickBuffer[];
}

/** Decodes the header; undefined when fewer than 112 bytes are there yet. */
export function decodeHeader(bytes: Uint8Array): MemoryHeader | undefined {
  if (bytes.byteLength < MAIN_HEADER_SIZE) return undefined;
  const v = viewOf(bytes);
  const { bytesPerSample, sampleDataOffset: _first, ...fields } = decodeMainHeader(v);
  const buffers: TickBuffer[] = [];
  for (let slot = 0; slot < Math.min(Math.max(fields.bufferCount, 0), MAX_BUFFERS); slot++) {
    const at = VAR_BUF_AT + slot * VAR_BUF_SIZE;
    buffers.push({ slot, tickCount: v.getInt32(at, true), offset: v.getInt32(at + 4, true) });
  }
  return { ...fields, bufferLength: bytesPerSample, buffers };
}

/** Reads and decodes the header from `source`; undefined when the memory is shorter. */
export function readHeader(source: MemorySource): MemoryHeader | undefined {
  return decodeHeader(source.read(0, MAIN_HEADER_SIZE));
}

/** Whether the sim says it is connected (`status & 1`). */
export const isConnected = (h: MemoryHeader): boolean => (h.status & CONNECTED) !== 0;

/**
 * What must stay the same for the compiled variable readers to stay valid; a change (a new sim
 * session after a reconnect, say) means the variable headers are read again.
 */
export function layoutSignature(h: MemoryHeader): string {
  return [h.version, h.tickRate, h.variableCount, h.variableHeaderOffset, h.bufferLength].join(":");
}

/** Checks the header against the memory's size; throws IbtFormatError naming the field. */
export function checkHeader(h: MemoryHeader, size: number): void {
  const fail = (message: string): never => {
    throw new IbtFormatError(message);
  };
  if (!SUPPORTED_VERSIONS.includes(h.version)) {
    fail(`unsupported header version ${h.version} at offset 0`);
  }
  if (h.tickRate <= 0) fail(`tick rate ${h.tickRate} at offset 8 is not positive`);
  if (h.bufferCount < 1 || h.bufferCount > MAX_BUFFERS) {
    fail(`buffer count ${h.bufferCount} at offset 32 is not 1 to ${MAX_BUFFERS}`);
  }
  if (h.variableCount < 1) fail(`variable count ${h.variableCount} at offset 24 is not positive`);
  if (h.bufferLength < 1) fail(`buffer length ${h.bufferLength} at offset 36 is not positive`);
  const within = (offset: number, length: number) =>
    offset >= MAIN_HEADER_SIZE && length >= 0 && offset + length <= size;
  const varBytes = h.variableCount * VAR_HEADER_SIZE;
  if (!within(h.variableHeaderOffset, varBytes)) {
    fail(
      `${h.variableCount} variable headers at offset ${h.variableHeaderOffset} lie outside ` +
        `the ${size}-byte memory`,
    );
  }
  if (h.sessionInfoLength > MAX_SESSION_INFO) {
    fail(
      `session info length ${h.sessionInfoLength} at offset 16 exceeds ${MAX_SESSION_INFO} bytes`,
    );
  }
  if (!within(h.sessionInfoOffset, h.sessionInfoLength)) {
    fail(
      `session info of ${h.sessionInfoLength} bytes at offset ${h.sessionInfoOffset} lies ` +
        `outside the ${size}-byte memory`,
    );
  }
  for (const b of h.buffers) {
    if (!within(b.offset, h.bufferLength)) {
      fail(
        `buffer ${b.slot} (varBuf at offset ${VAR_BUF_AT + b.slot * VAR_BUF_SIZE}) of ` +
          `${h.bufferLength} bytes at offset ${b.offset} lies outside the ${size}-byte memory`,
      );
    }
  }
}

/**
 * The variables of the live memory, compiled once, and a stand-in `IbtFile` over them so the
 * `.ibt` conversion (IbtConverter, recordingMeta) runs on live ticks unchanged. The stand-in has
 * no samples of its own: ticks become samples through `sample()`.
 */
export class LiveLayout {
  readonly header: MemoryHeader;
  readonly variables: readonly IbtVariable[];
  readonly signature: string;
  readonly #layout: IbtLayout;

  constructor(header: MemoryHeader, variables: IbtVariable[]) {
    this.header = header;
    this.variables = variables;
    this.signature = layoutSignature(header);
    this.#layout = new IbtLayout(variables, header.bufferLength);
  }

  /** A recording-shaped view of the live memory with this session info, for the converter. */
  file(sessionInfo: SessionInfo): IbtFile {
    const { bufferLength, buffers, ...fields } = this.header;
    const header: IbtHeader = {
      ...fields,
      bytesPerSample: bufferLength,
      sampleDataOffset: buffers[0]?.offset ?? 0,
    };
    // Live memory has no disk sub-header: the start date is the bridge's anchor (session.ts),
    // which replaces meta.startMs; the other fields describe a file and stay 0.
    const diskHeader = { startDate: 0, startTime: 0, endTime: 0, lapCount: 0, recordCount: 0 };
    return new IbtFile(memorySource(new Uint8Array(0)), {
      header,
      diskHeader,
      variables: [...this.variables],
      sessionInfo,
      sampleCount: 0,
      sampleCountSource: "recordCount",
    });
  }

  /** A tick's SessionTime straight from its bytes, or undefined without the variable. */
  sessionTime(): ((bytes: Uint8Array) => number) | undefined {
    const v = this.#layout.variable("SessionTime");
    if (v?.count !== 1 || v.typeName === "bool") return undefined;
    const read = this.#layout.reader("SessionTime");
    return (bytes) => Number(read(viewOf(bytes), 0));
  }

  /** One tick's bytes as a sample the converter reads; `index` numbers it in messages. */
  sample(bytes: Uint8Array, index: number): IbtSample {
    return new IbtSample(this.#layout, viewOf(bytes), 0, index);
  }
}

/** Reads the variable headers named by a checked header. */
export function readLayout(source: MemorySource, h: MemoryHeader): LiveLayout {
  checkHeader(h, source.size());
  const bytes = source.read(h.variableHeaderOffset, h.variableCount * VAR_HEADER_SIZE);
  return new LiveLayout(h, parseVariables(bytes, h.bufferLength));
}

/**
 * Reads the session-info YAML. The sim may rewrite it while it is copied, so the copy counts
 * only when `sessionInfoUpdate` is the same before and after; undefined when it changed.
 */
export function readSessionInfo(
  source: MemorySource,
  h: MemoryHeader,
): { info: SessionInfo; update: number } | undefined {
  const bytes = source.read(h.sessionInfoOffset, h.sessionInfoLength);
  const after = readHeader(source);
  if (after?.sessionInfoUpdate !== h.sessionInfoUpdate) return undefined;
  return { info: parseSessionInfo(bytes, h.sessionInfoOffset), update: h.sessionInfoUpdate };
}
