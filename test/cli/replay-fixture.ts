import { inject } from "vitest";

/**
 * The vendored recordings' bytes inside workerd, which cannot read the disk: the worker
 * project's globalSetup (test/scripts/ibt/worker-global-setup.ts) reads the files in Node and
 * provides them base64-encoded.
 */
declare module "vitest" {
  export interface ProvidedContext {
    amgIbtBase64: string;
    w13IbtBase64: string;
  }
}

function decode(base64: string): Uint8Array {
  const text = atob(base64);
  const bytes = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i);
  return bytes;
}

/** The fixture `amg-gt4_red-bull-ring.ibt`, decoded. */
export function amgRecording(): Uint8Array {
  return decode(inject("amgIbtBase64"));
}

/** The fixture `w13_red-bull-ring.ibt`, decoded. */
export function w13Recording(): Uint8Array {
  return decode(inject("w13IbtBase64"));
}
