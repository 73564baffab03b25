import { load as parse } from "js-yaml";
import { describe, expect, it } from "vitest";
import { memorySource, openIbt, sanitiseSessionYaml, sessionSummary } from "../../src/ibt";
import { buildIbt } from "./build";
import { FIXTURES, fixtureBytes } from "./fixtures";

const SESSION_NUM = { name: "SessionNum", type: 2 };

async function openYaml(yaml: string | Uint8Array, sessionNum = 0) {
  return openIbt(
    memorySource(
      buildIbt({ variables: [SESSION_NUM], yaml, samples: [{ SessionNum: sessionNum }] }),
    ),
  );
}

describe("the session-info sanitiser", () => {
  it("quotes free-text values that YAML would reject or reinterpret", () => {
    const yaml = [
      "DriverInfo:",
      " DriverSetupName: race: wet.sto",
      " Drivers:",
      " - CarIdx: 0",
      "   UserName: *Star Driver",
      "   AbbrevName: , J",
      "   TeamName: #1 Racing",
      "   CarScreenName: Car #2",
      "   Initials: @X",
      "   ClubName: it's: here",
      "",
    ].join("\n");
    expect(() => parse(yaml)).toThrow();
    expect(parse(sanitiseSessionYaml(yaml))).toEqual({
      DriverInfo: {
        DriverSetupName: "race: wet.sto",
        Drivers: [
          {
            CarIdx: 0,
            UserName: "*Star Driver",
            AbbrevName: ", J",
            TeamName: "#1 Racing",
            CarScreenName: "Car #2",
            Initials: "@X",
            ClubName: "it's: here",
          },
        ],
      },
    });
  });

  it("leaves numbers, quoted values, times and dashes as YAML reads them", () => {
    const yaml = 'A:\n N: -1.0000\n Q: "@ALLTEAMS"\n T: 12:00 pm\n D: 2024-04-01\n E: \n';
    expect(parse(sanitiseSessionYaml(yaml))).toEqual(parse(yaml));
    expect(parse(yaml)).toEqual({
      A: { N: -1, Q: "@ALLTEAMS", T: "12:00 pm", D: "2024-04-01", E: null },
    });
  });

  it("turns tab indentation into spaces and drops everything after the end marker", () => {
    const yaml = "A:\n\tB: 1\r\n\tC: x\r\n...\n\0\0garbage: [\n";
    expect(parse(sanitiseSessionYaml(yaml))).toEqual({ A: { B: 1, C: "x" } });
  });

  it.each(FIXTURES)("does not change what the YAML of %s means", async (name) => {
    const bytes = await fixtureBytes(name);
    const file = await openIbt(memorySource(bytes));
    const { sessionInfoOffset: at, sessionInfoLength: length } = file.header;
    const raw = new TextDecoder().decode(bytes.subarray(at, at + length)).replace(/\0+$/, "");
    expect(file.sessionInfo).toEqual(parse(raw));
    expect(Object.keys(file.sessionInfo)).toEqual([
      "WeekendInfo",
      "SessionInfo",
      "CameraInfo",
      "RadioInfo",
      "DriverInfo",
      "SplitTimeInfo",
      "CarSetup",
    ]);
  });
});

describe("session info in a recording", () => {
  it("parses a recording whose names break plain YAML", async () => {
    const file = await openYaml("---\nDriverInfo:\n DriverSetupName: a: b.sto\n...\n\0\0\0");
    expect(file.sessionInfo).toEqual({ DriverInfo: { DriverSetupName: "a: b.sto" } });
  });

  it("decodes Windows-1252 names and UTF-8 names", async () => {
    const cp1252 = Uint8Array.from([...new TextEncoder().encode("A:\n N: Jos"), 0xe9, 0x80, 0x0a]);
    expect((await openYaml(cp1252)).sessionInfo).toEqual({ A: { N: "José€" } });
    expect((await openYaml("A:\n N: José€\n")).sessionInfo).toEqual({ A: { N: "José€" } });
  });

  it("summarises the driver at DriverCarIdx and the session named by SessionNum", async () => {
    const yaml = [
      "WeekendInfo:",
      " TrackDisplayName: Test Track",
      " TrackConfigName: Short",
      "SessionInfo:",
      " Sessions:",
      " - SessionNum: 0",
      "   SessionType: Practice",
      " - SessionNum: 1",
      "   SessionType: Lone Qualify",
      "DriverInfo:",
      " DriverCarIdx: 2",
      " Drivers:",
      " - CarIdx: 0",
      "   UserName: Pace Car",
      "   CarScreenName: Safety Car",
      " - CarIdx: 2",
      "   UserName: Driver Two",
      "   CarScreenName: Test Car",
      "",
    ].join("\n");
    expect(await sessionSummary(await openYaml(yaml, 1))).toMatchObject({
      driverName: "Driver Two",
      carName: "Test Car",
      trackName: "Test Track",
      trackConfig: "Short",
      sessionType: "Lone Qualify",
      startDate: new Date(1_700_000_000_000),
      lapCount: 1,
      sampleCount: 1,
    });
  });

  it("leaves summary fields undefined when the session info lacks them", async () => {
    expect(await sessionSummary(await openYaml("WeekendInfo:\n TrackID: 1\n"))).toMatchObject({
      driverName: undefined,
      carName: undefined,
      trackName: undefined,
      sessionType: undefined,
    });
  });
});
