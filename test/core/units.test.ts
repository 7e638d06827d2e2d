import { describe, expect, it } from 'vitest';
import {
  distanceIn,
  formatDistance,
  formatElevation,
  formatPace,
  formatPaceSeconds,
  formatPrecipitation,
  formatTemperature,
  formatWindSpeed,
  isUnitSystem,
  metresOf,
  paceSeconds,
  unitSystemOfPreference,
} from '../../src/core/units.ts';

describe('units', () => {
  it('follows Strava’s measurement preference, and nothing else', () => {
    expect(unitSystemOfPreference('feet')).toBe('imperial');
    expect(unitSystemOfPreference('meters')).toBe('metric');
    expect(unitSystemOfPreference(undefined)).toBeNull();
    expect(unitSystemOfPreference('furlongs')).toBeNull();
    expect(isUnitSystem('imperial')).toBe(true);
    expect(isUnitSystem('km')).toBe(false);
  });

  it('writes distances in km or miles, and reads them back to metres', () => {
    expect(formatDistance('metric', 5000)).toBe('5.00 km');
    expect(formatDistance('imperial', 5000)).toBe('3.11 mi');
    expect(formatDistance('imperial', 42_195, 1)).toBe('26.2 mi');
    expect(distanceIn('imperial', 1609.344)).toBe(1);
    expect(metresOf('imperial', 1)).toBe(1609.344);
    expect(metresOf('metric', 10)).toBe(10_000);
  });

  it('writes pace per km or per mile', () => {
    // 5 km in 25:00 is 5:00 /km, and 8:03 /mi (1,609.344 m at 0.3 s/m is 482.8 s).
    expect(formatPace('metric', 5000, 1500)).toBe('5:00 /km');
    expect(formatPace('imperial', 5000, 1500)).toBe('8:03 /mi');
    expect(paceSeconds('metric', 0, 1500)).toBeNull();
    expect(formatPace('metric', 5000, 0)).toBe('–');
    // 59.6 s rounds up to the next minute, never "4:60".
    expect(formatPace('metric', 1000, 299.6)).toBe('5:00 /km');
    expect(formatPaceSeconds('imperial', 502)).toBe('8:22 /mi');
    expect(formatPaceSeconds('metric', null)).toBe('–');
  });

  it('writes temperatures in °C or °F, never "-0"', () => {
    expect(formatTemperature('metric', 12.4)).toBe('12 °C');
    expect(formatTemperature('imperial', 12.4)).toBe('54 °F');
    expect(formatTemperature('imperial', -40)).toBe('-40 °F');
    expect(formatTemperature('metric', -0.4)).toBe('0 °C');
    expect(formatTemperature('metric', null)).toBe('–');
  });

  it('writes wind, elevation and precipitation in each system', () => {
    expect(formatWindSpeed('metric', 5)).toBe('18 km/h');
    expect(formatWindSpeed('imperial', 5)).toBe('11 mph');
    expect(formatWindSpeed('imperial', null)).toBe('–');
    expect(formatElevation('metric', 120.4)).toBe('120 m');
    expect(formatElevation('imperial', 120.4)).toBe('395 ft');
    expect(formatElevation('metric', null)).toBe('–');
    expect(formatPrecipitation('metric', 2.54)).toBe('2.5 mm');
    expect(formatPrecipitation('imperial', 2.54)).toBe('0.10 in');
  });
});
