import { inject } from "vitest";

/**
 * The AMG GT4 recording's bytes inside workerd, which cannot read the disk: the worker
 * project's globalSetup (test/scripts/ibt/worker-global-setup.ts) reads the file in Node and
 * provides it base64-encoded.
 */
declare module "vitest" {
  export interface ProvidedContext {
    amgIbtBase64: string;
  }
}

/** The fixture `amg-gt4_red-bull-ring.ibt`, decoded. */
export function amgRecording(): Uint8Array {
  const text = atob(inject("amgIbtBase64"));
  const bytes = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i);
  return bytes;
}
