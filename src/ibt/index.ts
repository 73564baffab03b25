/**
 * A streaming reader of iRacing `.ibt` telemetry recordings, and (convert.ts, meta.ts) the one
 * conversion of its channels into wire samples. Transport-free: it reads through a
 * ByteSource, so the Node CLI (scripts/ibt/source.ts) and the Worker share it.
 */
export { IbtFormatError } from "./errors";
export type { IbtDiskHeader, IbtHeader, SampleCountSource } from "./header";
export type { SampleRange } from "./reader";
export { DEFAULT_BATCH, IbtFile, openIbt } from "./reader";
export { IbtBatch, IbtSample } from "./sample";
export type { SessionInfo } from "./session-info";
export { recordingInfo, sanitiseSessionYaml } from "./session-info";
export type { ByteSource, StreamSource } from "./source";
export { chunkSource, memorySource, streamSource } from "./source";
export type { SessionSummary } from "./summary";
export { sessionSummary } from "./summary";
export type { IbtScalar, IbtTypeName, IbtValue, IbtVariable } from "./variables";
export { IBT_TYPES } from "./variables";
