import { handRecording, restingSample } from "../ibt/helpers";

/**
 * 300 ticks of Practice (SessionNum 0), then 300 of Qualify (SessionNum 1, SessionTime from 0
 * again, as iRacing restarts it): a session change inside one recording. Transport-free.
 */
export function twoSessions(): Uint8Array {
  const tick = (num: number, i: number, t0: number) =>
    restingSample({
      SessionNum: num,
      SessionTime: t0 + i / 60,
      Speed: 30 + (i % 60),
      LapDistPct: (i % 600) / 600,
      Lat: 47.2 + i * 1e-6,
    });
  const samples = [
    ...Array.from({ length: 300 }, (_, i) => tick(0, i, 100)),
    ...Array.from({ length: 300 }, (_, i) => tick(1, i, 0)),
  ];
  return handRecording(samples, {
    sessions: [
      { num: 0, type: "Practice" },
      { num: 1, type: "Qualify" },
    ],
  });
}

/** The session info with the recording driver renamed (a driver swap). */
export const renamed = (yaml: string) => yaml.replace("Test Driver Ünö", "Second Driver");
