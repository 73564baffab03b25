import type { IbtFile, IbtSample } from "./index";

/** Reads one numeric variable from a sample. */
export type Read = (sample: IbtSample) => number;

/** A reader of a numeric scalar variable, or undefined when the recording lacks it. */
export function numberReader(file: IbtFile, name: string): Read | undefined {
  const v = file.variable(name);
  if (v?.count !== 1 || v.typeName === "bool") return undefined;
  return file.numberAccessor(name);
}
