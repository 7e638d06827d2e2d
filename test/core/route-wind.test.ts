import { describe, expect, it } from 'vitest';
import {
  bearingDeg,
  compassPoint,
  distanceM,
  type LatLng,
  routeBearingDeg,
  windFeel,
} from '../../src/core/route-wind.ts';

describe('wind against the route', () => {
  it('measures bearings clockwise from north', () => {
    expect(bearingDeg([0, 0], [1, 0])).toBeCloseTo(0, 6);
    expect(bearingDeg([0, 0], [0, 1])).toBeCloseTo(90, 6);
    expect(bearingDeg([1, 0], [0, 0])).toBeCloseTo(180, 6);
    expect(bearingDeg([0, 1], [0, 0])).toBeCloseTo(270, 6);
    // One degree of latitude is about 111.2 km.
    expect(distanceM([0, 0], [1, 0])).toBeCloseTo(111_195, -1);
  });

  it('gives a point-to-point route the bearing from start to finish, and a loop none', () => {
    const eastward: LatLng[] = [
      [52, 13],
      [52.001, 13.01],
      [52, 13.02],
      [52, 13.03],
    ];
    expect(routeBearingDeg(eastward)).toBeCloseTo(90, 0);
    const loop: LatLng[] = [
      [52, 13],
      [52.01, 13],
      [52.01, 13.01],
      [52, 13.01],
      [52, 13.0001],
    ];
    expect(routeBearingDeg(loop)).toBeNull();
    const outAndBack: LatLng[] = [
      [52, 13],
      [52.02, 13],
      [52.0005, 13],
    ];
    expect(routeBearingDeg(outAndBack)).toBeNull();
    expect(routeBearingDeg([[52, 13]])).toBeNull();
    expect(routeBearingDeg([])).toBeNull();
  });

  it('calls wind from ahead a headwind, from behind a tailwind, from the side a crosswind', () => {
    // Running north (0°): a north wind (from 0°) is in the face.
    expect(windFeel(0, 0)).toBe('headwind');
    expect(windFeel(40, 0)).toBe('headwind');
    expect(windFeel(320, 0)).toBe('headwind');
    expect(windFeel(180, 0)).toBe('tailwind');
    expect(windFeel(140, 0)).toBe('tailwind');
    expect(windFeel(90, 0)).toBe('crosswind');
    expect(windFeel(270, 0)).toBe('crosswind');
    // Across 0°/360°: running at 350° into wind from 20° is 30° off the nose.
    expect(windFeel(20, 350)).toBe('headwind');
    expect(windFeel(170, 350)).toBe('tailwind');
    expect(windFeel(46, 0)).toBe('crosswind');
  });

  it('names the nearest compass point', () => {
    expect(compassPoint(350)).toBe('N');
    expect(compassPoint(100)).toBe('E');
    expect(compassPoint(225)).toBe('SW');
    expect(compassPoint(-45)).toBe('NW');
  });
});
