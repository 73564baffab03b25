import { describe, expect, it } from "vitest";
import { CLASS_IDS } from "../../../scripts/sim/car-class";
import { CAR_CLASSES } from "../../../scripts/sim/cars";
import { carDisplayName, findCar, findTrack, trackDisplayName } from "../../../scripts/sim/names";
import { TRACK_IDS } from "../../../scripts/sim/track-spec";
import { TRACK_SPECS } from "../../../scripts/sim/tracks";

describe("tracks and cars by name", () => {
  it("finds every track by its id and its iRacing display name, and every car by its own", () => {
    for (const id of TRACK_IDS) {
      expect(findTrack(id)).toMatchObject({ ok: true, value: id });
      expect(findTrack(TRACK_SPECS[id].name)).toMatchObject({ ok: true, value: id });
      expect(findTrack(TRACK_SPECS[id].name.toUpperCase())).toMatchObject({ ok: true, value: id });
    }
    for (const id of CLASS_IDS) {
      expect(findCar(id)).toMatchObject({ ok: true, value: { carClass: id } });
      expect(findCar(CAR_CLASSES[id].name)).toEqual({
        ok: true,
        value: { carClass: id },
        label: `${CAR_CLASSES[id].name} (${id})`,
      });
      for (const car of CAR_CLASSES[id].cars) {
        expect(findCar(car)).toMatchObject({ ok: true, value: { carClass: id, carName: car } });
      }
    }
  });

  it("takes the short names the original CLI was given, ignoring case and punctuation", () => {
    expect(findTrack("Daytona")).toMatchObject({ ok: true, value: "daytona-oval" });
    expect(findTrack("daytona international speedway")).toMatchObject({ value: "daytona-oval" });
    expect(findTrack("Spa Francorchamps")).toMatchObject({ ok: true, value: "spa" });
    expect(findTrack("spielberg")).toMatchObject({ ok: true, value: "red-bull-ring" });
    expect(findTrack("Laguna")).toMatchObject({ ok: true, value: "laguna-seca" });
    expect(findCar("NASCAR Cup Series Next Gen Chevrolet Camaro ZL1")).toEqual({
      ok: true,
      value: { carClass: "nascar-cup", carName: "NASCAR Cup Series Next Gen Chevrolet Camaro ZL1" },
      label: "NASCAR Cup Series Next Gen Chevrolet Camaro ZL1 (nascar-cup)",
    });
    expect(findCar("camaro zl1")).toMatchObject({
      value: { carName: "NASCAR Cup Series Next Gen Chevrolet Camaro ZL1" },
    });
    expect(findCar("nascar")).toEqual(
      expect.objectContaining({ value: { carClass: "nascar-cup" } }),
    );
    expect(findCar("MX-5")).toMatchObject({ ok: true, value: { carClass: "mx5-cup" } });
  });

  it("lists every match of a name that fits several, and the closest of one that fits none", () => {
    expect(findTrack("Watkins Glen")).toEqual({
      ok: false,
      ambiguous: true,
      suggestions: [
        "Watkins Glen International - Boot (watkins-glen-boot)",
        "Watkins Glen International - Cup (watkins-glen-cup)",
      ],
    });
    expect(findCar("porsche")).toMatchObject({ ok: false, ambiguous: true });
    expect(findTrack("Daytonna")).toEqual({
      ok: false,
      ambiguous: false,
      suggestions: ["Daytona International Speedway - Oval (daytona-oval)"],
    });
    expect(findCar("NASCAR Next Gen Chevy Camaro")).toEqual({
      ok: false,
      ambiguous: false,
      suggestions: ["NASCAR Cup Series Next Gen Chevrolet Camaro ZL1 (nascar-cup)"],
    });
    expect(findTrack("Nordschleife")).toEqual({ ok: false, ambiguous: false, suggestions: [] });
    // One or two letters name nothing on their own.
    expect(findTrack("m")).toMatchObject({ ok: false });
    expect(findTrack("")).toMatchObject({ ok: false });
  });

  it("spells a known track or car as iRacing does for send, and keeps any other name as typed", () => {
    expect(trackDisplayName("Daytona")).toBe("Daytona International Speedway - Oval");
    expect(trackDisplayName("Road Atlanta")).toBe("Road Atlanta");
    expect(carDisplayName("nascar cup series next gen chevrolet camaro zl1")).toBe(
      "NASCAR Cup Series Next Gen Chevrolet Camaro ZL1",
    );
    // A class is not a car: "GT3" stays what it was.
    expect(carDisplayName("GT3")).toBe("GT3");
    expect(carDisplayName("Dallara P217")).toBe("Dallara P217");
  });
});
