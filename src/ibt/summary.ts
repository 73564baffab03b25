import type { IbtFile } from "./reader";
import { recordingInfo } from "./session-info";

/** Who drove what, where and when: the facts a recording's listing needs. */
export interface SessionSummary {
  /** The recording driver's iRacing user name, if DriverInfo names one. */
  driverName: string | undefined;
  /** The recording driver's car, as iRacing displays it. */
  carName: string | undefined;
  trackName: string | undefined;
  trackConfig: string | undefined;
  /** SessionType of the session the first sample belongs to (e.g. "Offline Testing"). */
  sessionType: string | undefined;
  /** Wall-clock start of the recording, from the disk sub-header. */
  startDate: Date;
  /** Session-time span of the recording, seconds. */
  duration: number;
  /** Laps the recording touches, partial ones included (the disk sub-header's lap count). */
  lapCount: number;
  sampleCount: number;
}

// Names such as "911" or "1" parse as numbers; a summary wants them as text.
const text = (value: unknown): string | undefined =>
  typeof value === "string" || typeof value === "number" ? String(value) : undefined;

/**
 * Summarises a recording. The driver is the DriverInfo.Drivers entry whose CarIdx equals
 * DriverInfo.DriverCarIdx. The session is the one named by the SessionNum variable of the first
 * sample (a recording can run on into the next session), else the only session listed.
 */
export async function sessionSummary(file: IbtFile): Promise<SessionSummary> {
  const { weekend, driver, sessions } = recordingInfo(file.sessionInfo);
  let session = sessions.length === 1 ? sessions[0] : undefined;
  if (file.sampleCount > 0 && file.variable("SessionNum")) {
    const sessionNum = (await file.sample(0)).get("SessionNum");
    session = sessions.find((s) => s.SessionNum === sessionNum) ?? session;
  }

  const disk = file.diskHeader;
  return {
    driverName: text(driver?.UserName),
    carName: text(driver?.CarScreenName),
    trackName: text(weekend?.TrackDisplayName),
    trackConfig: text(weekend?.TrackConfigName),
    sessionType: text(session?.SessionType),
    startDate: new Date(disk.startDate * 1000),
    duration: disk.endTime - disk.startTime,
    lapCount: disk.lapCount,
    sampleCount: file.sampleCount,
  };
}
