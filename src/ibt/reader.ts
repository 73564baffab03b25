import { IbtFormatError } from "./errors";
import type { IbtDiskHeader, IbtHeader, SampleCountSource } from "./header";
import { countSamples, HEADERS_SIZE, parseHeaders, VAR_HEADER_SIZE } from "./header";
import type { IbtSample } from "./sample";
import { IbtBatch, IbtLayout } from "./sample";
import type { SessionInfo } from "./session-info";
import { parseSessionInfo } from "./session-info";
import type { ByteSource } from "./source";
import { readExact } from "./source";
import type { IbtValue, IbtVariable } from "./variables";
import { parseVariables } from "./variables";

/** Samples per read when no batch size is given: about 1 MB for a typical 1 KB sample. */
export const DEFAULT_BATCH = 1000;

/** Which samples to stream: indices `from` (inclusive) to `to` (exclusive), `batch` per read. */
export interface SampleRange {
  from?: number;
  to?: number;
  batch?: number;
}

/** An opened recording: headers, variables and session info in memory, samples on demand. */
export class IbtFile {
  readonly header: IbtHeader;
  readonly diskHeader: IbtDiskHeader;
  readonly variables: readonly IbtVariable[];
  readonly sessionInfo: SessionInfo;
  readonly sampleCount: number;
  /** Whether `sampleCount` is the disk sub-header's record count or derived from the size. */
  readonly sampleCountSource: SampleCountSource;
  readonly #source: ByteSource;
  readonly #layout: IbtLayout;

  constructor(
    source: ByteSource,
    parts: {
      header: IbtHeader;
      diskHeader: IbtDiskHeader;
      variables: IbtVariable[];
      sessionInfo: SessionInfo;
      sampleCount: number;
      sampleCountSource: SampleCountSource;
    },
  ) {
    this.#source = source;
    this.header = parts.header;
    this.diskHeader = parts.diskHeader;
    this.variables = parts.variables;
    this.sessionInfo = parts.sessionInfo;
    this.sampleCount = parts.sampleCount;
    this.sampleCountSource = parts.sampleCountSource;
    this.#layout = new IbtLayout(parts.variables, parts.header.bytesPerSample);
  }

  /** The variable called `name`, or undefined when the recording lacks it. */
  variable(name: string): IbtVariable | undefined {
    return this.#layout.variable(name);
  }

  /** A precompiled reader of `name` for hot loops: no lookup by name per sample. */
  accessor(name: string): (sample: IbtSample) => IbtValue {
    const read = this.#layout.reader(name);
    return (sample) => read(sample.view, sample.offset);
  }

  /** A precompiled reader of a numeric scalar; throws a TypeError for booleans and arrays. */
  numberAccessor(name: string): (sample: IbtSample) => number {
    const variable = this.variable(name);
    if (variable && (variable.count !== 1 || variable.typeName === "bool")) {
      throw new TypeError(`variable "${name}" is not a numeric scalar`);
    }
    return this.accessor(name) as (sample: IbtSample) => number;
  }

  /** Windows of raw sample bytes, read one at a time so memory stays bounded. */
  async *batches(range: SampleRange = {}): AsyncGenerator<IbtBatch> {
    const { from, to, batch } = this.#checkRange(range);
    const { bytesPerSample, sampleDataOffset } = this.header;
    for (let first = from; first < to; first += batch) {
      const count = Math.min(batch, to - first);
      const offset = sampleDataOffset + first * bytesPerSample;
      const bytes = await readExact(this.#source, offset, count * bytesPerSample, "sample data");
      yield new IbtBatch(this.#layout, first, bytes);
    }
  }

  /** Every sample in `range`, in order, read in windows of `range.batch` samples. */
  async *samples(range: SampleRange = {}): AsyncGenerator<IbtSample> {
    for await (const batch of this.batches(range)) {
      for (let i = 0; i < batch.count; i++) yield batch.sample(i);
    }
  }

  /** One sample by index (a read per call: prefer `samples` for runs). */
  async sample(index: number): Promise<IbtSample> {
    for await (const batch of this.batches({ from: index, to: index + 1 })) return batch.sample(0);
    throw new RangeError(`sample ${index} is outside 0 to ${this.sampleCount - 1}`);
  }

  #checkRange(range: SampleRange): Required<SampleRange> {
    const { from = 0, to = this.sampleCount, batch = DEFAULT_BATCH } = range;
    const ok = (n: number) => Number.isInteger(n) && n >= 0 && n <= this.sampleCount;
    if (!ok(from) || !ok(to) || from > to) {
      throw new RangeError(`sample range ${from} to ${to} is outside 0 to ${this.sampleCount}`);
    }
    if (!Number.isInteger(batch) || batch < 1) {
      throw new RangeError(`batch size ${batch} is not a positive integer`);
    }
    return { from, to, batch };
  }
}

/**
 * Opens a recording: reads and checks the headers, variable headers and session info (a few
 * tens of KB) and leaves the samples in the source. Throws IbtFormatError naming what is wrong.
 */
export async function openIbt(source: ByteSource): Promise<IbtFile> {
  const { size } = source;
  if (size < HEADERS_SIZE) {
    throw new IbtFormatError(
      `file is ${size} bytes, shorter than the ${HEADERS_SIZE}-byte headers`,
    );
  }
  const prefix = await readExact(source, 0, HEADERS_SIZE, "headers");
  const { header, diskHeader } = parseHeaders(prefix, size);
  // Checked before the larger reads so a truncated file fails on the cheapest evidence.
  const { count, source: countSource } = countSamples(header, diskHeader, size);
  const varBytes = await readExact(
    source,
    header.variableHeaderOffset,
    header.variableCount * VAR_HEADER_SIZE,
    "variable headers",
  );
  const variables = parseVariables(varBytes, header.bytesPerSample);
  const infoBytes = await readExact(
    source,
    header.sessionInfoOffset,
    header.sessionInfoLength,
    "session info",
  );
  const sessionInfo = parseSessionInfo(infoBytes, header.sessionInfoOffset);
  return new IbtFile(source, {
    header,
    diskHeader,
    variables,
    sessionInfo,
    sampleCount: count,
    sampleCountSource: countSource,
  });
}
