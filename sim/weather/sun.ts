/**
 * Where the sun is: NOAA's low-precision solar equations (fractional-year series for the
 * equation of time and declination), good to a minute or two, which is all a simulator needs
 * for sunrise/sunset, the day/night icon and the UV index.
 */

const DEG = Math.PI / 180;
const DAY_S = 86_400;

interface SolarDay {
  /** Equation of time, minutes. */
  equationOfTime: number;
  /** Declination, radians. */
  declination: number;
}

function solarDay(epochSeconds: number): SolarDay {
  const date = new Date(epochSeconds * 1000);
  const yearStart = Date.UTC(date.getUTCFullYear(), 0, 1) / 1000;
  const daysInYear = isLeapYear(date.getUTCFullYear()) ? 366 : 365;
  const dayOfYear = (epochSeconds - yearStart) / DAY_S; // fractional, 0-based
  const g = ((2 * Math.PI) / daysInYear) * dayOfYear;
  return {
    equationOfTime:
      229.18 *
      (0.000075 +
        0.001868 * Math.cos(g) -
        0.032077 * Math.sin(g) -
        0.014615 * Math.cos(2 * g) -
        0.040849 * Math.sin(2 * g)),
    declination:
      0.006918 -
      0.399912 * Math.cos(g) +
      0.070257 * Math.sin(g) -
      0.006758 * Math.cos(2 * g) +
      0.000907 * Math.sin(2 * g) -
      0.002697 * Math.cos(3 * g) +
      0.00148 * Math.sin(3 * g),
  };
}

function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

/** Sun elevation above the horizon in degrees (negative below) at an instant. */
export function solarElevationDegrees(lat: number, lng: number, epochSeconds: number): number {
  const { equationOfTime, declination } = solarDay(epochSeconds);
  const utcMinutes = (((epochSeconds % DAY_S) + DAY_S) % DAY_S) / 60;
  const trueSolarMinutes = utcMinutes + equationOfTime + 4 * lng;
  const hourAngle = (trueSolarMinutes / 4 - 180) * DEG;
  const phi = lat * DEG;
  const cosZenith =
    Math.sin(phi) * Math.sin(declination) +
    Math.cos(phi) * Math.cos(declination) * Math.cos(hourAngle);
  return 90 - Math.acos(Math.min(1, Math.max(-1, cosZenith))) / DEG;
}

/**
 * The local mean solar day containing the instant, as a day index since the epoch: the day a
 * person standing at `lng` would say it is (ignoring political time zones).
 */
export function localSolarDay(lng: number, epochSeconds: number): number {
  return Math.floor((epochSeconds + (lng / 15) * 3600) / DAY_S);
}

export interface SunTimes {
  /** Epoch seconds; null when the sun neither rises nor sets that day (polar day or night). */
  sunrise: number | null;
  sunset: number | null;
}

/** Sunrise and sunset (upper limb with refraction, zenith 90.833°) of the local solar day. */
export function sunTimes(lat: number, lng: number, epochSeconds: number): SunTimes {
  const day = localSolarDay(lng, epochSeconds);
  // Solar noon of that local day in UTC, where the series is evaluated.
  const noonUtc = day * DAY_S + (12 - lng / 15) * 3600;
  const { equationOfTime, declination } = solarDay(noonUtc);
  const phi = lat * DEG;
  const cosHourAngle =
    Math.cos(90.833 * DEG) / (Math.cos(phi) * Math.cos(declination)) -
    Math.tan(phi) * Math.tan(declination);
  if (cosHourAngle > 1 || cosHourAngle < -1 || !Number.isFinite(cosHourAngle)) {
    return { sunrise: null, sunset: null };
  }
  const hourAngleDeg = Math.acos(cosHourAngle) / DEG;
  const dayStartUtc = day * DAY_S;
  const minutes = (m: number) => Math.round(dayStartUtc + m * 60);
  return {
    sunrise: minutes(720 - 4 * (lng + hourAngleDeg) - equationOfTime),
    sunset: minutes(720 - 4 * (lng - hourAngleDeg) - equationOfTime),
  };
}
