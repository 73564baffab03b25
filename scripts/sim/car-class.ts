import type { TrackId } from "./track-spec";

// What a racing class is made of: classes/ holds each class, cars.ts gathers them.

/** A reference race-pace lap and where the figure comes from. */
export interface LapReference {
  /** Seconds. */
  lapTime: number;
  source: string;
}

/** How the model was fitted to the references (see `fitCalibration` in calibrate.ts). */
export interface Calibration {
  /** Multiplies every tyre friction coefficient. */
  grip: number;
  /** Multiplies engine torque (driveline losses, BoP, how hard a race stint is driven). */
  power: number;
}

/** One racing class: the physics of a representative car and its reference laps. */
export interface CarClass {
  id: ClassId;
  name: string;
  /** Car names as iRacing shows them; drivers of the class pick one. */
  cars: readonly string[];
  /** Car, driver and half a tank (kg). */
  mass: number;
  /** Engine torque (N·m) at engine speed (rev/min), interpolated linearly. */
  torqueCurve: readonly (readonly [number, number])[];
  idleRpm: number;
  limitRpm: number;
  gears: readonly number[];
  finalDrive: number;
  /** Driven wheel rolling radius (m). */
  wheelRadius: number;
  drivelineEfficiency: number;
  /** Peak tyre friction, lateral and longitudinal. */
  muLat: number;
  muLong: number;
  /** Friction factor of the harder compounds used on ovals. */
  ovalGrip: number;
  /** Brake system limit (g), reached only when the tyres can take it. */
  brakeLimitG: number;
  /** Lift (downforce) coefficient times area, C_L·A (m²). */
  liftArea: number;
  /** Drag coefficient times area, C_D·A (m²). */
  dragArea: number;
  rollingResistance: number;
  /** Share of the load on the driven axle (rear-wheel drive). */
  drivenAxleShare: number;
  wheelbase: number;
  /** Steering-wheel degrees per road-wheel degree. */
  steeringRatio: number;
  /** Fuel tank (l). */
  fuelCapacity: number;
  /** Brake-specific fuel consumption (g/kWh). */
  bsfc: number;
  /** An H-pattern box: the clutch goes down on every shift. */
  manualClutch: boolean;
  /** Engine power left on superspeedways (NASCAR's tapered spacer), else 1. */
  superspeedwayPower: number;
  calibration: Calibration;
  /** Race-pace reference laps: the tracks this class races on. */
  references: Partial<Record<TrackId, LapReference>>;
}

export const CLASS_IDS = ["gt3", "gt4", "nascar-cup", "f3", "mx5-cup"] as const;
export type ClassId = (typeof CLASS_IDS)[number];
