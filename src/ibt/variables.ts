import { IbtFormatError } from "./errors";
import { VAR_HEADER_SIZE } from "./header";
import { viewOf } from "./source";
import { decodeCString } from "./text";

/** irsdk_VarType: 0 char, 1 bool, 2 int32, 3 bitfield, 4 float32, 5 float64. */
export const IBT_TYPES = ["char", "bool", "int", "bitfield", "float", "double"] as const;
/** The name of a variable type. */
export type IbtTypeName = (typeof IBT_TYPES)[number];
const TYPE_SIZE = [1, 1, 4, 4, 4, 8] as const;

/** One telemetry channel as declared by its 144-byte variable header. */
export interface IbtVariable {
  name: string;
  /** irsdk_VarType code, 0 to 5. */
  type: number;
  typeName: IbtTypeName;
  /** Byte offset inside a sample. */
  offset: number;
  /** Number of elements; more than 1 makes the value an array. */
  count: number;
  countAsTime: boolean;
  description: string;
  unit: string;
}

/** A decoded value: chars read as their byte value, bitfields as unsigned 32-bit integers. */
export type IbtScalar = number | boolean;
/** A decoded value of any variable: a scalar, or an array when the variable's count exceeds 1. */
export type IbtValue = IbtScalar | number[] | boolean[];

type ElementReader = (view: DataView, at: number) => IbtScalar;
/** Reads one variable from a sample that starts at `base` in `view`. */
export type VariableReader = (view: DataView, base: number) => IbtValue;

const ELEMENT: readonly ElementReader[] = [
  (v, at) => v.getUint8(at),
  (v, at) => v.getUint8(at) !== 0,
  (v, at) => v.getInt32(at, true),
  (v, at) => v.getUint32(at, true),
  (v, at) => v.getFloat32(at, true),
  (v, at) => v.getFloat64(at, true),
];

/** Decodes and checks every variable header against the sample size. */
export function parseVariables(bytes: Uint8Array, bytesPerSample: number): IbtVariable[] {
  const view = viewOf(bytes);
  const variables: IbtVariable[] = [];
  const seen = new Set<string>();
  for (let at = 0; at + VAR_HEADER_SIZE <= bytes.byteLength; at += VAR_HEADER_SIZE) {
    const index = at / VAR_HEADER_SIZE;
    const type = view.getInt32(at, true);
    const offset = view.getInt32(at + 4, true);
    const count = view.getInt32(at + 8, true);
    const name = decodeCString(bytes.subarray(at + 16, at + 48));
    const label = `variable #${index} "${name}"`;
    const typeName = IBT_TYPES[type];
    const size = TYPE_SIZE[type];
    if (typeName === undefined || size === undefined) {
      throw new IbtFormatError(`${label} has unknown type ${type} (expected 0 to 5)`);
    }
    if (name === "") throw new IbtFormatError(`variable #${index} has an empty name`);
    if (seen.has(name)) throw new IbtFormatError(`${label} is declared twice`);
    if (count < 1) throw new IbtFormatError(`${label} has element count ${count}`);
    const end = offset + count * size;
    if (offset < 0 || end > bytesPerSample) {
      throw new IbtFormatError(
        `${label} occupies bytes ${offset} to ${end} of a sample, outside the ` +
          `${bytesPerSample} bytes per sample`,
      );
    }
    seen.add(name);
    variables.push({
      name,
      type,
      typeName,
      offset,
      count,
      countAsTime: view.getUint8(at + 12) !== 0,
      description: decodeCString(bytes.subarray(at + 48, at + 112)),
      unit: decodeCString(bytes.subarray(at + 112, at + 144)),
    });
  }
  return variables;
}

/**
 * Builds the reader for one variable once, so per-sample access is a closure call rather than a
 * type switch. Variables are packed without alignment, hence DataView rather than typed arrays.
 */
export function compileReader(variable: IbtVariable): VariableReader {
  const element = ELEMENT[variable.type] as ElementReader;
  const { offset, count } = variable;
  if (count === 1) return (view, base) => element(view, base + offset);
  const stride = TYPE_SIZE[variable.type] as number;
  return (view, base) => {
    const values: IbtScalar[] = new Array(count);
    for (let i = 0; i < count; i++) values[i] = element(view, base + offset + i * stride);
    return values as number[] | boolean[];
  };
}
