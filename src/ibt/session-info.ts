import { load, YAMLException } from "js-yaml";
import { IbtFormatError } from "./errors";
import { decodeText } from "./text";

/** The session-info document: WeekendInfo, SessionInfo, DriverInfo, CarSetup and so on. */
export type SessionInfo = Record<string, unknown>;

// `Key: value` lines, optionally as a sequence item (`- CarIdx: 0`).
const KEY_VALUE = /^(\s*(?:-\s+)?[A-Za-z0-9_]+:\s+)(\S.*?)\s*$/;
const DOUBLE_QUOTED = /^"(?:[^"\\]|\\.)*"$/;
const SINGLE_QUOTED = /^'(?:[^']|'')*'$/;
// What makes a plain scalar fail or change meaning: a leading indicator (`@team`, `*name`,
// `, Initials`), a nested `: ` (names and setup paths), or ` #` that would start a comment.
const UNSAFE_PLAIN = /^[-?:](?:\s|$)|^[,[\]{}#&*!|>'"%@`]|:(?:\s|$)|\s#/;

/**
 * Rewrites iRacing's almost-YAML into YAML. iRacing writes every value unquoted and unescaped
 * (user names, team names and setup names are free text), may indent with tabs and pads with
 * NULs after the `...` end marker. Values that YAML would reject or reinterpret are
 * single-quoted; valid values are left alone so numbers stay numbers.
 */
export function sanitiseSessionYaml(text: string): string {
  const out: string[] = [];
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.replace(/\t/g, " ");
    // Everything after the end marker is padding, and a second document would be an error.
    if (line.trimEnd() === "...") break;
    const match = KEY_VALUE.exec(line);
    const head = match?.[1];
    const value = match?.[2];
    if (head === undefined || value === undefined || !needsQuotes(value)) {
      out.push(line.trimEnd());
      continue;
    }
    out.push(`${head}'${value.replace(/'/g, "''")}'`);
  }
  return `${out.join("\n")}\n`;
}

function needsQuotes(value: string): boolean {
  if (DOUBLE_QUOTED.test(value) || SINGLE_QUOTED.test(value)) return false;
  return UNSAFE_PLAIN.test(value);
}

/** Decodes, sanitises and parses the session-info bytes (NUL-padded, UTF-8 or Windows-1252). */
export function parseSessionInfo(bytes: Uint8Array, offset: number): SessionInfo {
  const end = bytes.indexOf(0);
  const text = sanitiseSessionYaml(decodeText(end === -1 ? bytes : bytes.subarray(0, end)));
  let info: unknown;
  try {
    // YAML 1.2's core schema (dates stay text). Duplicate keys would be a quirk, not corruption
    // (`json`: the last one wins); iRacing writes no aliases, so a file full of them is refused.
    info = load(text, { json: true, maxAliases: 64 });
  } catch (err) {
    if (!(err instanceof YAMLException)) throw err;
    const line = err.mark ? ` (line ${err.mark.line + 1}, column ${err.mark.column + 1})` : "";
    throw new IbtFormatError(
      `session info YAML at offset ${offset} does not parse: ${err.reason}${line}`,
    );
  }
  if (info === null || typeof info !== "object" || Array.isArray(info)) {
    throw new IbtFormatError(`session info YAML at offset ${offset} is not a mapping`);
  }
  return info as SessionInfo;
}

type Dict = Record<string, unknown>;

/** A mapping of the session info, or undefined for anything else. */
const infoDict = (value: unknown): Dict | undefined =>
  value !== null && typeof value === "object" && !Array.isArray(value)
    ? (value as Dict)
    : undefined;

/** The mappings of a session-info sequence (anything else is skipped). */
const infoList = (value: unknown): Dict[] =>
  Array.isArray(value) ? value.map(infoDict).filter((item) => item !== undefined) : [];

/**
 * What describes a recording: WeekendInfo, the recording driver's entry (the DriverInfo.Drivers
 * entry whose CarIdx is DriverInfo.DriverCarIdx) and the sessions SessionInfo lists.
 */
export function recordingInfo(info: SessionInfo): {
  weekend: Dict | undefined;
  driverCarIdx: unknown;
  driver: Dict | undefined;
  sessions: Dict[];
} {
  const driverInfo = infoDict(info.DriverInfo);
  const driverCarIdx = driverInfo?.DriverCarIdx;
  return {
    weekend: infoDict(info.WeekendInfo),
    driverCarIdx,
    driver: infoList(driverInfo?.Drivers).find((d) => d.CarIdx === driverCarIdx),
    sessions: infoList(infoDict(info.SessionInfo)?.Sessions),
  };
}
