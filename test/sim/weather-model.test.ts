import { describe, expect, it } from 'vitest';
import { PLACES } from '../../sim/places.ts';
import { sunTimes } from '../../sim/weather/sun.ts';
import { gridCell, modelHour, type Observation, observe } from '../../sim/weather/weather-model.ts';
import { readApiSample } from '../support/api-samples.ts';
import { epoch } from './weather-support.ts';

const place = (name: string) => PLACES.find((p) => p.name === name)!;

function meanTemperature(lat: number, lng: number, fromIso: string, days: number): number {
  const start = epoch(fromIso);
  let sum = 0;
  const hours = days * 24;
  for (let h = 0; h < hours; h += 1) sum += observe(lat, lng, start + h * 3600).temperatureC;
  return sum / hours;
}

describe('the weather model', () => {
  it('is deterministic: the same place and time give the same weather', () => {
    const t = epoch('2024-05-17T06:42:00Z');
    expect(observe(48.8566, 2.3522, t)).toEqual(observe(48.8566, 2.3522, t));
    expect(JSON.stringify(observe(-33.9249, 18.4241, t))).toBe(
      JSON.stringify(observe(-33.9249, 18.4241, t)),
    );
  });

  it('has one value per 0.1° cell and per hour: the hour containing the instant', () => {
    expect(gridCell(51.5074, -0.1278)).toEqual({ lat: 51.5, lng: -0.1 });
    expect(gridCell(-33.8688, 151.2093)).toEqual({ lat: -33.9, lng: 151.2 });
    expect(gridCell(10, 180)).toEqual({ lat: 10, lng: -180 });
    const hour = epoch('2024-05-17T06:00:00Z');
    expect(modelHour(hour + 3599)).toBe(hour);
    const o = observe(51.5074, -0.1278, hour + 1234);
    expect(o.hour).toBe(hour);
    expect(o.cell).toEqual({ lat: 51.5, lng: -0.1 });
    expect(observe(51.46, -0.14, hour + 3599)).toEqual(o); // same cell, same hour
    expect(observe(51.5074, -0.1278, hour + 3600)).not.toEqual(o);
  });

  it('mirrors the seasons between hemispheres', () => {
    const sydney = place('Sydney');
    const newYork = place('New York');
    const sydneyJanuary = meanTemperature(sydney.lat, sydney.lng, '2024-01-01T00:00:00Z', 31);
    const sydneyJuly = meanTemperature(sydney.lat, sydney.lng, '2024-07-01T00:00:00Z', 31);
    const newYorkJanuary = meanTemperature(newYork.lat, newYork.lng, '2024-01-01T00:00:00Z', 31);
    const newYorkJuly = meanTemperature(newYork.lat, newYork.lng, '2024-07-01T00:00:00Z', 31);
    expect(sydneyJanuary).toBeGreaterThan(sydneyJuly + 5);
    expect(newYorkJuly).toBeGreaterThan(newYorkJanuary + 5);
  });

  it('is warmest in the afternoon, local solar time', () => {
    // Tokyo is UTC+9 by the sun: 15:00 solar ≈ 06:00 UTC, 03:00 solar ≈ 18:00 UTC.
    const tokyo = place('Tokyo');
    let afternoon = 0;
    let night = 0;
    for (let day = 0; day < 30; day += 1) {
      const midnight = epoch('2024-04-01T00:00:00Z') + day * 86_400;
      afternoon += observe(tokyo.lat, tokyo.lng, midnight + 6 * 3600).temperatureC;
      night += observe(tokyo.lat, tokyo.lng, midnight + 18 * 3600).temperatureC;
    }
    expect(afternoon / 30).toBeGreaterThan(night / 30 + 4);
  });

  it('is colder towards the poles', () => {
    // Open Atlantic at longitude −30, so no elevation: the yearly mean by latitude.
    const yearly = (lat: number) => {
      let sum = 0;
      for (let h = 0; h < 365 * 24; h += 7) {
        sum += observe(lat, -30, epoch('2023-01-01T00:00:00Z') + h * 3600).temperatureC;
      }
      return sum / Math.ceil((365 * 24) / 7);
    };
    const [equator, mid, polar] = [yearly(0), yearly(45), yearly(75)];
    expect(equator).toBeGreaterThan(mid + 5);
    expect(mid).toBeGreaterThan(polar + 5);
  });

  it('stays within physical ranges across places × hours, and agrees with itself', () => {
    const points = [
      ...PLACES.map((p) => ({ lat: p.lat, lng: p.lng })),
      { lat: 89.9, lng: 0 },
      { lat: -89.9, lng: 120 },
      { lat: 0, lng: -179.99 },
      { lat: 71, lng: 25 },
    ];
    const start = epoch('2023-01-01T00:00:00Z');
    // Checks collect into one list: hundreds of thousands of `expect` calls would be slow.
    const problems: string[] = [];
    const check = (ok: boolean, what: string, o: Observation) => {
      if (!ok && problems.length < 10) problems.push(`${what} at ${JSON.stringify(o)}`);
    };
    for (const { lat, lng } of points) {
      for (let h = 0; h < 2 * 365 * 24; h += 23) {
        const o = observe(lat, lng, start + h * 3600);
        check(o.temperatureC > -70 && o.temperatureC < 50, 'temperature', o);
        check(o.dewPointC <= o.temperatureC + 0.1, 'dew point above temperature', o);
        check(Number.isInteger(o.humidity) && o.humidity >= 0 && o.humidity <= 100, 'humidity', o);
        check(o.cloudCover >= 0 && o.cloudCover <= 100, 'cloud cover', o);
        check(o.pressureMslHpa >= 950 && o.pressureMslHpa <= 1060, 'pressure', o);
        check(o.surfacePressureHpa <= o.pressureMslHpa, 'surface pressure', o);
        check(o.windSpeedMs >= 0 && o.windSpeedMs < 40, 'wind', o);
        check(o.windGustMs >= o.windSpeedMs, 'gust below wind', o);
        check(o.windDirectionDeg >= 0 && o.windDirectionDeg < 360, 'wind direction', o);
        check(o.precipitationMm >= 0 && o.precipitationMm < 30, 'precipitation', o);
        check(Math.abs(o.rainMm + o.snowMm - o.precipitationMm) < 1e-9, 'rain + snow', o);
        check(o.visibilityM > 0 && o.visibilityM <= 10_000, 'visibility', o);
        check(o.uvi >= 0 && o.uvi <= 13, 'uvi', o);
        check(o.condition.icon.endsWith(o.isDay ? 'd' : 'n'), 'day/night icon', o);
        check(o.sunrise === null || o.sunset === null || o.sunrise < o.sunset, 'sun times', o);
      }
    }
    expect(problems).toEqual([]);
  });

  it('names each sky the same way in OWM and WMO codes', () => {
    const pairs = new Map<number, number>();
    const start = epoch('2023-01-01T00:00:00Z');
    for (const p of PLACES) {
      for (let h = 0; h < 365 * 24; h += 7) {
        const o = observe(p.lat, p.lng, start + h * 3600);
        pairs.set(o.condition.id, o.weatherCode);
        if (o.precipitationMm === 0 && o.weatherCode >= 50) throw new Error(`wet code, dry sky`);
        if (o.snowMm > 0 && o.condition.main !== 'Snow') throw new Error('snow not named snow');
      }
    }
    const known: Record<number, number> = {
      800: 0,
      801: 1,
      802: 2,
      803: 2,
      804: 3,
      741: 45,
      500: 61,
      501: 63,
      502: 65,
      600: 71,
      601: 73,
      602: 75,
      211: 95,
    };
    for (const [id, code] of pairs) expect(known[id]).toBe(code);
    expect(pairs.size).toBeGreaterThanOrEqual(8); // clear, clouds, rain and snow all occur
  });

  it("puts sunrise and sunset within two minutes of OWM's documented example", () => {
    const fixture = readApiSample('owm_onecall3_timemachine_response.json') as {
      lat: number;
      lon: number;
      data: { dt: number; sunrise: number; sunset: number }[];
    };
    const entry = fixture.data[0]!;
    const sun = sunTimes(fixture.lat, fixture.lon, entry.dt);
    expect(Math.abs(sun.sunrise! - entry.sunrise)).toBeLessThan(120);
    expect(Math.abs(sun.sunset! - entry.sunset)).toBeLessThan(120);
  });
});
