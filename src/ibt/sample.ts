import type { IbtValue, IbtVariable, VariableReader } from "./variables";
import { compileReader } from "./variables";

/** The variables of one recording with their compiled readers, shared by all its samples. */
export class IbtLayout {
  readonly bytesPerSample: number;
  readonly #readers = new Map<string, { variable: IbtVariable; read: VariableReader }>();

  constructor(variables: readonly IbtVariable[], bytesPerSample: number) {
    this.bytesPerSample = bytesPerSample;
    for (const variable of variables) {
      this.#readers.set(variable.name, { variable, read: compileReader(variable) });
    }
  }

  /** The variable called `name`, if the recording has it. */
  variable(name: string): IbtVariable | undefined {
    return this.#readers.get(name)?.variable;
  }

  /** The compiled reader for `name`; throws a RangeError naming an unknown variable. */
  reader(name: string): VariableReader {
    const entry = this.#readers.get(name);
    if (!entry) throw new RangeError(`no variable named "${name}" in this recording`);
    return entry.read;
  }
}

/** One sample: typed access by variable name to its bytes inside a batch. */
export class IbtSample {
  /** Index of the sample in the recording, from 0. */
  readonly index: number;
  /** The batch's bytes; this sample starts at `offset`. */
  readonly view: DataView;
  readonly offset: number;
  readonly #layout: IbtLayout;

  constructor(layout: IbtLayout, view: DataView, offset: number, index: number) {
    this.#layout = layout;
    this.view = view;
    this.offset = offset;
    this.index = index;
  }

  /** Whether the recording has a variable called `name`. */
  has(name: string): boolean {
    return this.#layout.variable(name) !== undefined;
  }

  /** The value of `name`: an array when the variable has more than one element. */
  get(name: string): IbtValue {
    return this.#layout.reader(name)(this.view, this.offset);
  }

  /** The value of a numeric scalar variable; throws a TypeError for booleans and arrays. */
  number(name: string): number {
    const value = this.get(name);
    if (typeof value !== "number") throw new TypeError(`variable "${name}" is not a number`);
    return value;
  }

  /** The value of a boolean scalar variable; throws a TypeError otherwise. */
  boolean(name: string): boolean {
    const value = this.get(name);
    if (typeof value !== "boolean") throw new TypeError(`variable "${name}" is not a boolean`);
    return value;
  }
}

/** A window of consecutive samples read in one request. */
export class IbtBatch {
  /** Index of the first sample in the recording. */
  readonly first: number;
  /** Number of samples in the window. */
  readonly count: number;
  /** The raw bytes: `count` samples of `bytesPerSample` bytes each. */
  readonly bytes: Uint8Array;
  readonly view: DataView;
  readonly #layout: IbtLayout;

  constructor(layout: IbtLayout, first: number, bytes: Uint8Array) {
    this.#layout = layout;
    this.first = first;
    this.bytes = bytes;
    this.count = bytes.byteLength / layout.bytesPerSample;
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  /** The `i`-th sample of this window (0 ≤ i < count). */
  sample(i: number): IbtSample {
    if (!Number.isInteger(i) || i < 0 || i >= this.count) {
      throw new RangeError(`sample ${i} is outside this batch of ${this.count}`);
    }
    return new IbtSample(this.#layout, this.view, i * this.#layout.bytesPerSample, this.first + i);
  }
}
