import type { CarClass } from "./car-class";

/** Air density at sea level, 15 °C (kg/m³). */
export const AIR_DENSITY = 1.2;
/** Standard gravity (m/s²). */
export const G = 9.80665;

/** Engine torque (N·m) at `rpm`, linear between the curve's points, flat beyond its ends. */
export function torqueAt(car: CarClass, rpm: number): number {
  const curve = car.torqueCurve;
  const first = curve[0];
  const last = curve[curve.length - 1];
  if (!first || !last) return 0;
  if (rpm <= first[0]) return first[1];
  if (rpm >= last[0]) return last[1];
  for (let i = 1; i < curve.length; i++) {
    const [r1, t1] = curve[i] ?? last;
    if (rpm <= r1) {
      const [r0, t0] = curve[i - 1] ?? first;
      return t0 + ((t1 - t0) * (rpm - r0)) / (r1 - r0);
    }
  }
  return last[1];
}

/** Engine speed (rev/min) in `gear` (1-based) at road speed v (m/s), before any clamping. */
export function rpmInGear(car: CarClass, gear: number, v: number): number {
  const ratio = (car.gears[gear - 1] ?? 1) * car.finalDrive;
  return (v / car.wheelRadius) * ratio * (60 / (2 * Math.PI));
}

/** Road speed (m/s) at the rev limit in top gear: the car can go no faster. */
export function topGearSpeed(car: CarClass): number {
  return (car.limitRpm / rpmInGear(car, car.gears.length, 1)) * 0.999;
}

/**
 * The gear a driver holds at road speed v: the one giving the most tractive force without
 * passing the rev limit (upshift where the next gear pulls harder, downshift likewise).
 */
export function gearFor(car: CarClass, v: number): number {
  let best = 1;
  let bestForce = -1;
  for (let gear = 1; gear <= car.gears.length; gear++) {
    const rpm = rpmInGear(car, gear, v);
    if (rpm > car.limitRpm) continue;
    const force = torqueAt(car, rpm) * (car.gears[gear - 1] ?? 1);
    if (force > bestForce) {
      bestForce = force;
      best = gear;
    }
  }
  return bestForce < 0 ? car.gears.length : best;
}

/** Engine speed shown on the dash in `gear`: gearing, held at idle by clutch slip below it. */
export function engineRpm(car: CarClass, gear: number, v: number): number {
  return Math.min(car.limitRpm, Math.max(car.idleRpm, rpmInGear(car, gear, v)));
}

/** Full-throttle tractive force at the wheels (N) at road speed v, in the gear held. */
export function engineForce(car: CarClass, v: number, powerScale: number): number {
  const gear = gearFor(car, v);
  const rpm = rpmInGear(car, gear, v);
  if (rpm > car.limitRpm) return 0;
  const ratio = (car.gears[gear - 1] ?? 1) * car.finalDrive;
  const torque = torqueAt(car, Math.max(rpm, car.idleRpm));
  return (torque * ratio * car.drivelineEfficiency * powerScale) / car.wheelRadius;
}

/**
 * `engineForce` tabulated every 0.05 m/s up to the top-gear limit: the lap model asks for it
 * at every grid node twice per pass, and the gear search is the costly part.
 */
export function engineForceTable(car: CarClass, powerScale: number): (v: number) => number {
  const step = 0.05;
  const top = topGearSpeed(car);
  const table = new Float64Array(Math.ceil(top / step) + 2);
  for (let k = 0; k < table.length; k++)
    table[k] = engineForce(car, Math.min(k * step, top), powerScale);
  return (v) => {
    if (v >= top) return v > top * 1.0001 ? 0 : (table[table.length - 1] ?? 0);
    const x = Math.max(0, v) / step;
    const k = Math.floor(x);
    const u = x - k;
    return (table[k] ?? 0) * (1 - u) + (table[k + 1] ?? 0) * u;
  };
}

/** Engine power (W) at full throttle at `rpm`. */
export function enginePower(car: CarClass, rpm: number): number {
  return (torqueAt(car, rpm) * rpm * 2 * Math.PI) / 60;
}

/** Aerodynamic drag plus rolling resistance (N) at road speed v. */
export function resistance(car: CarClass, v: number): number {
  return 0.5 * AIR_DENSITY * car.dragArea * v * v + car.rollingResistance * car.mass * G;
}
