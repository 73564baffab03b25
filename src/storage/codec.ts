import { deflateRawSync } from "node:zlib";
import { inflateSync } from "fflate";
import { PACKED_OFFSET, PACKED_WIDTH } from "../schemas/packed";
import { CHANNEL_KINDS, CHANNEL_NAMES, SAMPLE_ROW, type SampleValues } from "../schemas/telemetry";

/*
 * A chunk is a run of samples of one driver: one or more frames, each holding the samples that
 * follow the previous frame's, column by column. Appending a frame to a stored chunk costs only
 * the new samples' bytes (see `appendFrame` in chunks.ts); compaction rewrites a chunk as one.
 *
 *   0xD1 | version | varint count | varint packed length | varint raw length
 *   | varint compressed length (version 2 on) | u32 CRC-32
 *   | raw DEFLATE of the packed section | the raw section
 *
 * Version 1 frames (written before frames could be appended) have no compressed length: the
 * frame runs to the end of the chunk, so a version 1 frame is always a chunk's last.
 * Varints are unsigned LEB128 of at most 8 bytes (values up to 2^53); signed ones are zigzagged.
 * The CRC covers the channel layout (names and kinds), the header before it and every byte of
 * the frame after it, so a chunk written under another layout without a version bump fails loudly.
 * The packed section holds one column after another, `ts` first, then CHANNEL_NAMES in order:
 *   ts     0 + varint delta-of-delta, or 1 + float64 when a value is not an integer within ±2^50
 *   int    0 + varint delta,          or 1 + float64 when a value is not an integer within ±2^51
 *   f32    predictor, then (if any values) the first value's ordered bits as u32, the residual
 *          width in bytes, a mask of the planes kept raw, and the residual byte planes (high first)
 *   f32?   0 no nulls | 1 all null | 2 + bitmap (bit set = null); then an f32 column of the rest
 * f32 residuals: the float bits are mapped to uint32 in numeric order, predicted from the previous
 * value (0) or by linear extrapolation (1), whichever is cheaper for the column, and zigzagged.
 * Byte planes that look random (the low bits of noisy channels) go to the raw section: DEFLATE
 * cannot shrink them, and without them it runs twice as fast and packs the rest 4% tighter.
 */

/** Layout version written to every frame; bump it whenever CHANNEL_NAMES or CHANNEL_KINDS change. */
export const CHUNK_FORMAT_VERSION = 2;
/** The single-frame layout this build still reads. */
const LEGACY_VERSION = 1;

/** Thrown by decodeChunk for bytes that are not a valid chunk of this format version. */
export class ChunkFormatError extends Error {
  override readonly name = "ChunkFormatError";
}

const MAGIC = 0xd1;
const MAX_VARINT = 2 ** 53;
// DEFLATE cannot expand more than 1032:1 (a 258-byte match costs at least 2 bits), which bounds
// what a header may claim before anything is allocated for it.
const MAX_INFLATE_RATIO = 1032;
// Order-0 entropy (bits per byte) above which a byte plane is stored raw.
const RAW_PLANE_ENTROPY = 7.8;
const SIGN = 0x80000000;
const COLUMN_VARINT = 0;
const COLUMN_FLOAT64 = 1;
const NULLS_NONE = 0;
const NULLS_ALL = 1;
const NULLS_BITMAP = 2;

const CRC_TABLE = new Uint32Array(256).map((_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c;
});

function crc32(bytes: Uint8Array, seed = 0): number {
  let c = ~seed;
  for (let i = 0; i < bytes.length; i++) {
    c = (CRC_TABLE[(c ^ (bytes[i] as number)) & 0xff] as number) ^ (c >>> 8);
  }
  return ~c >>> 0;
}

const LAYOUT = CHANNEL_NAMES.map((name) => `${name}:${CHANNEL_KINDS[name]}`).join(",");
const LAYOUT_CRC = crc32(new TextEncoder().encode(LAYOUT));

const zigzag = (v: number) => (v < 0 ? -2 * v - 1 : 2 * v);
const unzigzag = (z: number) => (z % 2 === 1 ? -(z + 1) / 2 : z / 2);
const zigzag32 = (d: number) => ((d << 1) ^ (d >> 31)) >>> 0;

/** The most bytes `n` samples can take: float64 integer columns, four planes per float. */
function maxBodyLength(n: number): number {
  let size = 1 + 8 * n;
  for (const name of CHANNEL_NAMES) {
    const kind = CHANNEL_KINDS[name];
    size += kind === "int" ? 1 + 8 * n : kind === "f32" ? 8 + 4 * n : 9 + Math.ceil(n / 8) + 4 * n;
  }
  return size;
}

/** The fewest bytes `n` samples can take: one byte per value in each varint column. */
function minBodyLength(n: number): number {
  let size = 1 + n;
  for (const name of CHANNEL_NAMES) {
    const kind = CHANNEL_KINDS[name];
    size += kind === "int" ? 1 + n : kind === "f32" ? 1 : 2;
  }
  return size;
}

class Writer {
  readonly bytes: Uint8Array;
  readonly #view: DataView;
  pos = 0;

  constructor(size: number) {
    this.bytes = new Uint8Array(size);
    this.#view = new DataView(this.bytes.buffer);
  }

  get written(): Uint8Array {
    return this.bytes.subarray(0, this.pos);
  }

  byte(v: number): void {
    this.bytes[this.pos++] = v;
  }

  varint(v: number): void {
    while (v >= SIGN) {
      this.bytes[this.pos++] = (v % 0x80) | 0x80;
      v = Math.floor(v / 0x80);
    }
    while (v > 0x7f) {
      this.bytes[this.pos++] = (v & 0x7f) | 0x80;
      v >>>= 7;
    }
    this.bytes[this.pos++] = v;
  }

  uint32(v: number): void {
    this.#view.setUint32(this.pos, v, true);
    this.pos += 4;
  }

  float64(v: number): void {
    this.#view.setFloat64(this.pos, v, true);
    this.pos += 8;
  }
}

class Reader {
  readonly #bytes: Uint8Array;
  readonly #view: DataView;
  pos = 0;

  constructor(bytes: Uint8Array) {
    this.#bytes = bytes;
    this.#view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  get remaining(): number {
    return this.#bytes.length - this.pos;
  }

  byte(what: string): number {
    const v = this.#bytes[this.pos++];
    if (v === undefined) throw new ChunkFormatError(`Chunk truncated while reading ${what}`);
    return v;
  }

  varint(what: string): number {
    let v = 0;
    for (let scale = 1, i = 0; i < 8; i++, scale *= 0x80) {
      const b = this.byte(what);
      v += (b & 0x7f) * scale;
      if (b < 0x80) {
        if (v > MAX_VARINT) break;
        return v;
      }
    }
    throw new ChunkFormatError(`Chunk has an oversized varint in ${what}`);
  }

  uint32(what: string): number {
    const at = this.pos;
    this.take(4, what);
    return this.#view.getUint32(at, true);
  }

  float64(what: string): number {
    const at = this.pos;
    this.take(8, what);
    return this.#view.getFloat64(at, true);
  }

  /** The bytes between two positions already read. */
  bytes(from: number, to: number): Uint8Array {
    return this.#bytes.subarray(from, to);
  }

  take(length: number, what: string): Uint8Array {
    if (this.remaining < length) {
      throw new ChunkFormatError(`Chunk truncated while reading ${what}`);
    }
    this.pos += length;
    return this.#bytes.subarray(this.pos - length, this.pos);
  }
}

/** Where a column is written: the packed section (compressed) and the raw section. */
interface Sink {
  packed: Writer;
  raw: Writer;
  floats: Float32Array;
  ordered: Uint32Array;
  last: Uint32Array;
  linear: Uint32Array;
}

/** How hard DEFLATE works: `fast` (level 1) by default, `small` (level 6) for history's chunks. */
export type Effort = "fast" | "small";
const LEVEL: Record<Effort, number> = { fast: 1, small: 6 };

/** Fills `values` with one field of every sample, and marks `nulls` (optional channels only). */
type ColumnSource = (field: keyof SampleValues, values: Float64Array, nulls?: Uint8Array) => void;

/**
 * Encodes samples as one compressed columnar frame (any order, any count, including none): a
 * chunk by itself, or the next part of a chunk whose samples all come before these.
 */
export function encodeChunk(samples: readonly SampleValues[], effort: Effort = "fast"): Uint8Array {
  return encodeColumns(
    samples.length,
    (field, values, nulls) => {
      for (let i = 0; i < samples.length; i++) {
        const v = samples[i]?.[field];
        // An absent optional value is stored as null: the wire format treats the two alike.
        if (nulls && (v === null || v === undefined)) nulls[i] = 1;
        else values[i] = numberAt(samples, i, field);
      }
    },
    effort,
  );
}

/**
 * `encodeChunk` of samples packed as float64 rows (schemas/packed.ts), where NaN is null: each
 * column is read with a stride, where reading it from objects is a keyed lookup per field and
 * sample. What the session log holds is packed, and its values are finite or null.
 */
export function encodeRows(rows: Float64Array, effort: Effort = "fast"): Uint8Array {
  return encodeColumns(
    rows.length / PACKED_WIDTH,
    (field, values, nulls) => {
      for (let i = 0, o = PACKED_OFFSET[field]; i < values.length; i++, o += PACKED_WIDTH) {
        const v = rows[o] as number;
        if (Number.isNaN(v)) {
          if (!nulls) throw new TypeError(`Packed sample ${i} has no numeric ${field}`);
          nulls[i] = 1;
        } else values[i] = v;
      }
    },
    effort,
  );
}

function encodeColumns(n: number, source: ColumnSource, effort: Effort): Uint8Array {
  const sink: Sink = {
    packed: new Writer(maxBodyLength(n)),
    raw: new Writer(4 * n * CHANNEL_NAMES.length),
    floats: new Float32Array(n),
    ordered: new Uint32Array(n),
    last: new Uint32Array(n),
    linear: new Uint32Array(n),
  };
  const values = new Float64Array(n);
  const nulls = new Uint8Array(n);
  source("ts", values);
  writeIntegerColumn(sink.packed, values, 2 ** 50, true);
  for (const name of CHANNEL_NAMES) {
    const kind = CHANNEL_KINDS[name];
    if (kind === "int") {
      source(name, values);
      writeIntegerColumn(sink.packed, values, 2 ** 51, false);
    } else if (kind === "f32") {
      source(name, values);
      sink.floats.set(values);
      writeFloatColumn(sink, n);
    } else {
      nulls.fill(0);
      source(name, values, nulls);
      writeOptionalColumn(sink, values, nulls);
    }
  }
  const packed = sink.packed.written;
  const raw = sink.raw.written;
  // The runtime's zlib (nodejs_compat): 2x faster than fflate's DEFLATE on a 60-sample frame
  // and 14x on a lap; fflate's inflate is as fast or faster, and takes a bounded output buffer.
  const compressed = deflateRawSync(packed, { level: LEVEL[effort] });
  const header = new Writer(2 + 4 * 8 + 4);
  header.byte(MAGIC);
  header.byte(CHUNK_FORMAT_VERSION);
  header.varint(n);
  header.varint(packed.length);
  header.varint(raw.length);
  header.varint(compressed.length);
  const crc = crc32(raw, crc32(compressed, crc32(header.written, LAYOUT_CRC)));
  header.uint32(crc);
  const chunk = new Uint8Array(header.pos + compressed.length + raw.length);
  chunk.set(header.written);
  chunk.set(compressed, header.pos);
  chunk.set(raw, header.pos + compressed.length);
  return chunk;
}

function numberAt(samples: readonly SampleValues[], i: number, name: keyof SampleValues): number {
  const v = samples[i]?.[name];
  if (typeof v !== "number") throw new TypeError(`Sample ${i} has no numeric ${name}`);
  return v;
}

/** Integers as zigzag varint deltas (or deltas of deltas); anything else exactly, as float64. */
function writeIntegerColumn(w: Writer, values: Float64Array, limit: number, ofDeltas: boolean) {
  if (!integersWithin(values, limit)) {
    w.byte(COLUMN_FLOAT64);
    for (const v of values) w.float64(v);
    return;
  }
  w.byte(COLUMN_VARINT);
  let previous = 0;
  let previousDelta = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i] as number;
    const delta = v - previous;
    w.varint(zigzag(ofDeltas ? delta - previousDelta : delta));
    previous = v;
    previousDelta = i === 0 ? 0 : delta;
  }
}

/**
 * Whether every value is an integer within ±`limit` and none is -0. A plain loop: the same
 * test as an `every` callback was a quarter of a flush's CPU inside workerd.
 */
function integersWithin(values: Float64Array, limit: number): boolean {
  for (let i = 0; i < values.length; i++) {
    const v = values[i] as number;
    if (!(v >= -limit && v <= limit) || Math.floor(v) !== v || (v === 0 && 1 / v < 0)) {
      return false;
    }
  }
  return true;
}

/** An optional channel's values: a null bitmap, then the others as floats. */
function writeOptionalColumn(sink: Sink, values: Float64Array, nulls: Uint8Array) {
  const n = values.length;
  const bitmap = new Uint8Array(Math.ceil(n / 8));
  let m = 0;
  for (let i = 0; i < n; i++) {
    if (nulls[i]) bitmap[i >>> 3] = (bitmap[i >>> 3] as number) | (1 << (i & 7));
    else sink.floats[m++] = values[i] as number;
  }
  const w = sink.packed;
  if (m === n) w.byte(NULLS_NONE);
  else if (m === 0) w.byte(NULLS_ALL);
  else {
    w.byte(NULLS_BITMAP);
    w.bytes.set(bitmap, w.pos);
    w.pos += bitmap.length;
  }
  writeFloatColumn(sink, m);
}

/** The first `m` of `sink.floats` as residuals of their ordered bits, in byte planes. */
function writeFloatColumn(sink: Sink, m: number): void {
  const { packed, raw, ordered, last, linear } = sink;
  const floatBits = new Uint32Array(sink.floats.buffer, 0, m);
  for (let i = 0; i < m; i++) {
    const b = floatBits[i] as number;
    ordered[i] = b & SIGN ? ~b : b | SIGN;
  }
  let lastCost = 0;
  let linearCost = 0;
  for (let i = 1, p1 = ordered[0] as number, p2 = p1; i < m; i++) {
    const o = ordered[i] as number;
    const a = zigzag32((o - p1) | 0);
    const b = zigzag32((o - (2 * p1 - p2)) | 0);
    last[i] = a;
    linear[i] = b;
    // `| 0`: the same bits as an int32. workerd's V8 takes a slow path for Math.clz32 of a
    // number above 2^31 (54x slower than Node's; it was half the time of encoding a frame).
    lastCost += 32 - Math.clz32(a | 0);
    linearCost += 32 - Math.clz32(b | 0);
    p2 = p1;
    p1 = o;
  }
  const useLinear = linearCost < lastCost;
  packed.byte(useLinear ? 1 : 0);
  if (m === 0) return;
  packed.uint32(ordered[0] as number);
  const residuals = (useLinear ? linear : last).subarray(1, m);
  let highest = 0;
  for (let i = 0; i < residuals.length; i++) highest |= residuals[i] as number;
  const width = (32 - Math.clz32(highest | 0) + 7) >>> 3;
  // Plane p (most significant first) holds bits from 8 * (width - 1 - p) up.
  const shiftOf = (plane: number) => 8 * (width - 1 - plane);
  const rawPlanes = rawPlanesOf(residuals, width, shiftOf);
  packed.byte(width);
  packed.byte(rawPlanes);
  for (let plane = 0; plane < width; plane++) {
    const shift = shiftOf(plane);
    const w = (rawPlanes >>> plane) & 1 ? raw : packed;
    const out = w.bytes;
    for (let i = 0, at = w.pos; i < residuals.length; i++) {
      out[at + i] = (residuals[i] as number) >>> shift;
    }
    w.pos += residuals.length;
  }
}

// Scratch space for the byte-plane histograms of one column at a time, and the entries a
// column touched: a 60-sample frame touches a few dozen of the 1,024, so clearing and scanning
// only those (not all of them, per column) halved the cost of encoding a frame.
const COUNTS = new Uint32Array(4 * 256);
const TOUCHED = new Uint16Array(4 * 256);
const PLANE_BITS = new Float64Array(4);

/**
 * Which byte planes of `residuals` to store raw: those whose order-0 entropy is above
 * RAW_PLANE_ENTROPY bits per byte (DEFLATE gains nothing on them). Bit p is plane p.
 */
function rawPlanesOf(
  residuals: Uint32Array,
  width: number,
  shiftOf: (plane: number) => number,
): number {
  const n = residuals.length;
  let touched = 0;
  for (let plane = 0; plane < width; plane++) {
    const shift = shiftOf(plane);
    const base = plane * 256;
    for (let i = 0; i < n; i++) {
      const at = base + (((residuals[i] as number) >>> shift) & 0xff);
      const count = COUNTS[at] as number;
      if (count === 0) TOUCHED[touched++] = at;
      COUNTS[at] = count + 1;
    }
  }
  PLANE_BITS.fill(0);
  for (let t = 0; t < touched; t++) {
    const at = TOUCHED[t] as number;
    const count = COUNTS[at] as number;
    PLANE_BITS[at >>> 8] = (PLANE_BITS[at >>> 8] as number) - count * Math.log2(count / n);
    COUNTS[at] = 0;
  }
  let rawPlanes = 0;
  for (let plane = 0; plane < width; plane++) {
    if ((PLANE_BITS[plane] as number) / n > RAW_PLANE_ENTROPY) rawPlanes |= 1 << plane;
  }
  return rawPlanes;
}

/**
 * Which samples of a chunk to build: those with `lower <= ts <= upper`, and of those at most
 * `limit`, the first ones (or, with `fromEnd`, the last ones) in chunk order.
 */
export interface DecodeWindow {
  lower?: number;
  upper?: number;
  limit?: number;
  fromEnd?: boolean;
}

/**
 * Decodes a chunk (its frames in order); throws ChunkFormatError if it is not a valid one.
 * Every frame is read and checked whole, but sample objects, the costly part, are built only
 * for the samples `window` asks for.
 */
export function decodeChunk(bytes: Uint8Array, window: DecodeWindow = {}): SampleValues[] {
  if (!(bytes instanceof Uint8Array)) throw new ChunkFormatError("Chunk must be a Uint8Array");
  const reader = new Reader(bytes);
  const frames: FrameColumns[] = [];
  do frames.push(decodeFrame(reader));
  while (reader.remaining > 0);
  const lower = window.lower ?? Number.NEGATIVE_INFINITY;
  const upper = window.upper ?? Number.POSITIVE_INFINITY;
  let budget = window.limit ?? Number.POSITIVE_INFINITY;
  const picked: number[][] = frames.map(() => []);
  const order = frames.map((_, f) => f);
  if (window.fromEnd) order.reverse();
  for (const f of order) {
    const ts = (frames[f] as FrameColumns).ts;
    const indices = picked[f] as number[];
    const step = window.fromEnd ? -1 : 1;
    for (let i = window.fromEnd ? ts.length - 1 : 0; i >= 0 && i < ts.length; i += step) {
      if (budget <= 0) break;
      const t = ts[i] as number;
      if (t < lower || t > upper) continue;
      indices.push(i);
      budget--;
    }
    if (window.fromEnd) indices.reverse();
  }
  if (frames.length === 1) return rowsAt(frames[0] as FrameColumns, picked[0] as number[]);
  return frames.flatMap((frame, f) => rowsAt(frame, picked[f] as number[]));
}

/** How many frames a chunk holds, read from their headers alone (nothing is checked). */
export function frameCount(bytes: Uint8Array): number {
  const reader = new Reader(bytes);
  let frames = 0;
  try {
    while (reader.remaining > 0) {
      frames++;
      const header = frameHeader(reader);
      reader.take(header.compressedLength + header.rawLength + 4, "frame");
    }
  } catch {
    // A damaged chunk counts what could be read; decoding it reports the damage.
  }
  return frames;
}

interface FrameHeader {
  count: number;
  packedLength: number;
  rawLength: number;
  compressedLength: number;
  /** The header bytes the checksum covers. */
  prefix: Uint8Array;
}

/** Reads a frame header up to (not including) its checksum. */
function frameHeader(r: Reader): FrameHeader {
  const start = r.pos;
  if (r.byte("magic") !== MAGIC) {
    throw new ChunkFormatError("Not a telemetry chunk (bad magic)");
  }
  const version = r.byte("version");
  if (version !== CHUNK_FORMAT_VERSION && version !== LEGACY_VERSION) {
    throw new ChunkFormatError(
      `Unsupported chunk version ${version} (this build reads ${LEGACY_VERSION}-${CHUNK_FORMAT_VERSION})`,
    );
  }
  const count = r.varint("sample count");
  const packedLength = r.varint("packed length");
  const rawLength = r.varint("raw length");
  // A version 1 frame runs to the end of the chunk.
  const compressedLength =
    version === LEGACY_VERSION ? r.remaining - 4 - rawLength : r.varint("compressed length");
  return { count, packedLength, rawLength, compressedLength, prefix: r.bytes(start, r.pos) };
}

/** Decodes the frame at the reader's position into columns and moves past it. */
function decodeFrame(r: Reader): FrameColumns {
  const { count: n, packedLength, rawLength, compressedLength, prefix } = frameHeader(r);
  const crc = r.uint32("checksum");
  const bodyLength = packedLength + rawLength;
  if (bodyLength < minBodyLength(n) || bodyLength > maxBodyLength(n)) {
    throw new ChunkFormatError(`Chunk of ${bodyLength} body bytes cannot hold ${n} samples`);
  }
  if (
    compressedLength <= 0 ||
    compressedLength + rawLength > r.remaining ||
    packedLength > compressedLength * MAX_INFLATE_RATIO
  ) {
    throw new ChunkFormatError(`Chunk truncated: ${r.remaining} bytes after the header`);
  }
  const compressed = r.take(compressedLength, "packed section");
  const raw = r.take(rawLength, "raw section");
  if (crc32(raw, crc32(compressed, crc32(prefix, LAYOUT_CRC))) !== crc) {
    throw new ChunkFormatError("Chunk checksum mismatch: corrupt, or written with another layout");
  }
  let packed: Uint8Array;
  try {
    packed = inflateSync(compressed, { out: new Uint8Array(packedLength) });
  } catch (error) {
    throw new ChunkFormatError(`Chunk is not valid DEFLATE data: ${(error as Error).message}`);
  }
  if (packed.length !== packedLength) {
    throw new ChunkFormatError(`Chunk inflated to ${packed.length} bytes, not ${packedLength}`);
  }
  return readBody({ packed: new Reader(packed), raw: new Reader(raw) }, n);
}

interface Source {
  packed: Reader;
  raw: Reader;
}

/** A decoded frame: its timestamps, and the channels in CHANNEL_NAMES order. */
interface FrameColumns {
  ts: Float64Array;
  channels: ArrayLike<number | null>[];
}

/** Sample objects for the given indices of a frame, built column by column (a store to one
 * named field at a time stays fast; one row's 23 different fields at a time does not). */
function rowsAt(frame: FrameColumns, indices: readonly number[]): SampleValues[] {
  const rows = new Array<Record<string, number | null>>(indices.length);
  for (let j = 0; j < indices.length; j++) {
    rows[j] = { ...SAMPLE_ROW, ts: frame.ts[indices[j] as number] as number };
  }
  CHANNEL_NAMES.forEach((name, k) => {
    const column = frame.channels[k] as ArrayLike<number | null>;
    for (let j = 0; j < indices.length; j++) {
      (rows[j] as Record<string, number | null>)[name] = column[indices[j] as number] as
        | number
        | null;
    }
  });
  return rows as SampleValues[];
}

function readBody(source: Source, n: number): FrameColumns {
  const ts = readIntegerColumn(source.packed, n, "ts", true);
  const channels = CHANNEL_NAMES.map((name) => {
    const kind = CHANNEL_KINDS[name];
    return kind === "int"
      ? readIntegerColumn(source.packed, n, name, false)
      : kind === "f32"
        ? readFloatColumn(source, n, name)
        : readOptionalColumn(source, n, name);
  });
  const left = source.packed.remaining + source.raw.remaining;
  if (left !== 0) throw new ChunkFormatError(`Chunk has ${left} bytes past its last column`);
  return { ts, channels };
}

function readIntegerColumn(r: Reader, n: number, name: string, ofDeltas: boolean): Float64Array {
  const values = new Float64Array(n);
  const encoding = r.byte(name);
  if (encoding === COLUMN_FLOAT64) {
    for (let i = 0; i < n; i++) values[i] = r.float64(name);
    return values;
  }
  if (encoding !== COLUMN_VARINT) {
    throw new ChunkFormatError(`Unknown encoding ${encoding} of ${name}`);
  }
  let previous = 0;
  let previousDelta = 0;
  for (let i = 0; i < n; i++) {
    const step = unzigzag(r.varint(name));
    const delta = ofDeltas ? previousDelta + step : step;
    previous += delta;
    values[i] = previous;
    previousDelta = i === 0 ? 0 : delta;
  }
  return values;
}

function readOptionalColumn(source: Source, n: number, name: string): (number | null)[] {
  const nulls = source.packed.byte(name);
  if (nulls === NULLS_NONE) return Array.from(readFloatColumn(source, n, name));
  if (nulls === NULLS_ALL) {
    readFloatColumn(source, 0, name);
    return new Array<null>(n).fill(null);
  }
  if (nulls !== NULLS_BITMAP) {
    throw new ChunkFormatError(`Unknown null encoding ${nulls} of ${name}`);
  }
  const bitmap = source.packed.take(Math.ceil(n / 8), `${name} nulls`);
  const isNull = (i: number) => (((bitmap[i >>> 3] as number) >>> (i & 7)) & 1) === 1;
  let nullCount = 0;
  for (let i = 0; i < n; i++) if (isNull(i)) nullCount++;
  if (nullCount === 0 || nullCount === n) {
    throw new ChunkFormatError(`Null bitmap of ${name} is all one way`);
  }
  if (n % 8 !== 0 && (bitmap[bitmap.length - 1] as number) >>> (n % 8) !== 0) {
    throw new ChunkFormatError(`Null bitmap of ${name} has bits past the sample count`);
  }
  const floats = readFloatColumn(source, n - nullCount, name);
  const values = new Array<number | null>(n);
  for (let i = 0, j = 0; i < n; i++) values[i] = isNull(i) ? null : (floats[j++] as number);
  return values;
}

function readFloatColumn(source: Source, m: number, name: string): Float32Array {
  const { packed, raw } = source;
  const predictor = packed.byte(name);
  if (predictor > 1) throw new ChunkFormatError(`Unknown predictor ${predictor} of ${name}`);
  const floats = new Float32Array(m);
  if (m === 0) return floats;
  const ordered = new Uint32Array(m);
  ordered[0] = packed.uint32(name);
  const width = packed.byte(name);
  const rawMask = packed.byte(name);
  if (width > 4 || rawMask >>> width !== 0) {
    throw new ChunkFormatError(`Invalid residual width ${width} of ${name}`);
  }
  const residuals = ordered.subarray(1);
  for (let plane = 0; plane < width; plane++) {
    const bytes = ((rawMask >>> plane) & 1 ? raw : packed).take(residuals.length, name);
    for (let i = 0; i < residuals.length; i++) {
      residuals[i] = ((residuals[i] as number) << 8) | (bytes[i] as number);
    }
  }
  for (let i = 1, p1 = ordered[0] as number, p2 = p1; i < m; i++) {
    const z = ordered[i] as number;
    const o = (((z >>> 1) ^ -(z & 1)) + (predictor === 1 ? 2 * p1 - p2 : p1)) >>> 0;
    ordered[i] = o;
    p2 = p1;
    p1 = o;
  }
  const bits = new Uint32Array(floats.buffer);
  for (let i = 0; i < m; i++) {
    const o = ordered[i] as number;
    bits[i] = o & SIGN ? o & ~SIGN : ~o;
  }
  return floats;
}
