import { describe, expect, it } from 'vitest';
import {
  BEST_TEMPERATURE_MIN_RUNS,
  bestTemperature,
  temperatureBands,
} from '../../src/core/best-temperature.ts';

const runs = (temperatureC: number, ...paces: number[]) =>
  paces.map((paceSPerKm) => ({ temperatureC, paceSPerKm }));

describe('the best temperature', () => {
  it('bands runs by 5 °C from multiples of 5, below zero too, with their median pace', () => {
    expect(
      temperatureBands([...runs(-0.1, 400, 300), ...runs(0, 350), ...runs(4.99, 310, 330, 320)]),
    ).toEqual([
      { fromC: -5, toC: 0, runs: 2, medianPaceSPerKm: 350 },
      { fromC: 0, toC: 5, runs: 4, medianPaceSPerKm: 325 },
    ]);
  });

  it('is the band of fastest median pace among bands with enough runs', () => {
    const history = [
      // Cold: steady 5:20s.
      ...runs(2, 320, 318, 322, 325, 321, 319, 323, 320, 324, 318),
      // Mild: the runner's best; two slow recovery jogs do not move the median.
      ...runs(12, 300, 298, 305, 302, 301, 299, 303, 300, 420, 415),
      // Hot: slower.
      ...runs(27, 340, 345, 338, 350, 342, 341, 339, 344, 346, 343),
      // Two very fast races at 17 °C: too few runs to call it a band.
      ...runs(17, 250, 255),
    ];
    expect(BEST_TEMPERATURE_MIN_RUNS).toBe(10);
    expect(bestTemperature(history)).toEqual({
      fromC: 10,
      toC: 15,
      runs: 10,
      medianPaceSPerKm: 301.5,
    });
    // With a lower bar the two races win.
    expect(bestTemperature(history, { minRuns: 2 })).toMatchObject({ fromC: 15, runs: 2 });
    // Wider bands regroup the runs: 10–20 holds the mild runs and the races.
    expect(bestTemperature(history, { widthC: 10 })).toMatchObject({
      fromC: 10,
      toC: 20,
      runs: 12,
    });
  });

  it('breaks a tie by the band with more runs', () => {
    const history = [
      ...runs(7, ...Array<number>(10).fill(300)),
      ...runs(22, ...Array<number>(11).fill(300)),
    ];
    expect(bestTemperature(history)).toMatchObject({ fromC: 20, runs: 11 });
  });

  it('has none when no band has enough runs, and ignores runs without a pace', () => {
    expect(bestTemperature([])).toBeNull();
    const nine = [300, 301, 302, 303, 304, 305, 306, 307, 308];
    expect(bestTemperature(runs(10, ...nine))).toBeNull();
    // A tenth run without a pace, and one without a temperature, do not make the band.
    expect(bestTemperature([...runs(10, ...nine, 0), ...runs(Number.NaN, 250)])).toBeNull();
  });
});
