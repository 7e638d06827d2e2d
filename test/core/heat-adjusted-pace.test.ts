import { describe, expect, it } from 'vitest';
import {
  dewPointFromHumidity,
  heatAdjustedPace,
  heatAdjustment,
} from '../../src/core/heat-adjusted-pace.ts';

const celsius = (fahrenheit: number) => ((fahrenheit - 32) * 5) / 9;

describe("heat-adjusted pace (Hadley's temperature + dew point rule)", () => {
  it('reads the sum of temperature and dew point in °F', () => {
    // Hadley's own example: 74 °F air, 71 °F dew point → 145.
    const example = heatAdjustment(celsius(74), celsius(71));
    expect(example.combinedF).toBeCloseTo(145, 9);
    // 141–150 is 3–4.5 %: 145 is halfway, 3.75 %.
    expect(example.slowdownPct).toBeCloseTo(3.75, 9);
    expect(example.notRecommended).toBe(false);
  });

  it("follows the table's band edges and is flat at or below 100", () => {
    const at = (sumF: number) => heatAdjustment(celsius(sumF / 2), celsius(sumF / 2)).slowdownPct;
    for (const [sum, percent] of [
      [60, 0],
      [100, 0],
      [110, 0.5],
      [120, 1],
      [130, 2],
      [140, 3],
      [150, 4.5],
      [160, 6],
      [170, 8],
      [180, 10],
    ] as const) {
      expect(at(sum), `sum ${sum}`).toBeCloseTo(percent, 9);
    }
    expect(at(125)).toBeCloseTo(1.5, 9);
    expect(at(165)).toBeCloseTo(7, 9);
  });

  it('holds at 10 % past 180 and says hard running is not recommended', () => {
    const sweltering = heatAdjustment(celsius(100), celsius(90));
    expect(sweltering.combinedF).toBeCloseTo(190, 9);
    expect(sweltering).toMatchObject({ slowdownPct: 10, notRecommended: true });
  });

  it('never counts a dew point above the air temperature', () => {
    expect(heatAdjustment(20, 25).combinedF).toBeCloseTo(heatAdjustment(20, 20).combinedF, 9);
  });

  it('gives the pace the run is worth in cool air', () => {
    // 5:00/km at 145 (3.75 % slower) is worth 300 / 1.0375 ≈ 4:49/km.
    expect(heatAdjustedPace(300, celsius(74), celsius(71))).toBeCloseTo(300 / 1.0375, 9);
    expect(heatAdjustedPace(300, 10, 2)).toBe(300);
  });

  it('derives the dew point from humidity when that is all the weather has', () => {
    expect(dewPointFromHumidity(25, 100)).toBeCloseTo(25, 9);
    // 30 °C at 50 % is a dew point of about 18.4 °C (Magnus, Alduchov and Eskridge).
    expect(dewPointFromHumidity(30, 50)).toBeCloseTo(18.4, 1);
    expect(dewPointFromHumidity(10, 40)).toBeLessThan(10);
  });
});
