import { IBT_TYPES, type IbtValue } from "../../src/ibt";

/** A variable of a synthetic recording; packed in order without alignment, as iRacing does. */
export interface VarSpec {
  name: string;
  type: number;
  count?: number;
  unit?: string;
}

const SIZE = [1, 1, 4, 4, 4, 8];

/** Writes text into a NUL-padded field of `width` bytes, keeping the last byte NUL. */
function putText(out: Uint8Array, at: number, text: string | Uint8Array, width: number): void {
  const bytes = typeof text === "string" ? new TextEncoder().encode(text) : text;
  out.set(bytes.subarray(0, width - 1), at);
}

/**
 * Writes a minimal version-2 recording: headers, variable headers at 144, the session info
 * (a string, or raw bytes to test code pages) and one sample per entry of `samples`.
 */
export function buildIbt(spec: {
  variables: VarSpec[];
  yaml: string | Uint8Array;
  samples: Record<string, IbtValue>[];
  recordCount?: number;
}): Uint8Array {
  const yaml = typeof spec.yaml === "string" ? new TextEncoder().encode(spec.yaml) : spec.yaml;
  const offsets: number[] = [];
  let bytesPerSample = 0;
  for (const v of spec.variables) {
    offsets.push(bytesPerSample);
    bytesPerSample += (SIZE[v.type] ?? 1) * (v.count ?? 1);
  }
  const infoOffset = 144 + spec.variables.length * 144;
  const dataOffset = infoOffset + yaml.byteLength;
  const out = new Uint8Array(dataOffset + spec.samples.length * bytesPerSample);
  const view = new DataView(out.buffer);
  const ints = [2, 1, 60, 0, yaml.byteLength, infoOffset, spec.variables.length, 144, 1];
  for (const [i, value] of ints.entries()) view.setInt32(i * 4, value, true);
  view.setInt32(36, bytesPerSample, true);
  view.setInt32(52, dataOffset, true);
  view.setBigInt64(112, 1_700_000_000n, true);
  view.setFloat64(120, 10, true);
  view.setFloat64(128, 10 + spec.samples.length / 60, true);
  view.setInt32(136, 1, true);
  view.setInt32(140, spec.recordCount ?? spec.samples.length, true);
  spec.variables.forEach((v, i) => {
    const at = 144 + i * 144;
    view.setInt32(at, v.type, true);
    view.setInt32(at + 4, offsets[i] ?? 0, true);
    view.setInt32(at + 8, v.count ?? 1, true);
    putText(out, at + 16, v.name, 32);
    putText(out, at + 48, `${v.name} (${IBT_TYPES[v.type] ?? "?"})`, 64);
    putText(out, at + 112, v.unit ?? "", 32);
  });
  out.set(yaml, infoOffset);
  spec.samples.forEach((sample, s) => {
    spec.variables.forEach((v, i) => {
      const raw = sample[v.name] ?? 0;
      const values = Array.isArray(raw) ? raw : [raw];
      values.forEach((value, k) => {
        const at = dataOffset + s * bytesPerSample + (offsets[i] ?? 0) + k * (SIZE[v.type] ?? 1);
        writeValue(view, at, v.type, Number(value));
      });
    });
  });
  return out;
}

function writeValue(view: DataView, at: number, type: number, value: number): void {
  if (type <= 1) view.setUint8(at, value);
  else if (type === 2) view.setInt32(at, value, true);
  else if (type === 3) view.setUint32(at, value, true);
  else if (type === 4) view.setFloat32(at, value, true);
  else view.setFloat64(at, value, true);
}
