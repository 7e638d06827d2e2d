/**
 * One sky, two vocabularies: OpenWeatherMap's condition codes (id, main, description, icon)
 * and the WMO weather interpretation codes Open-Meteo returns as `weather_code`. Every
 * condition the model produces is listed once with both, so the simulators cannot disagree.
 */

export interface OwmCondition {
  id: number;
  main: string;
  description: string;
  /** e.g. `01d`: OWM's icon number plus `d`/`n` for day or night. */
  icon: string;
}

interface SkyCondition {
  id: number;
  main: string;
  description: string;
  iconNumber: string;
  wmoCode: number;
}

const SKY = {
  clear: { id: 800, main: 'Clear', description: 'clear sky', iconNumber: '01', wmoCode: 0 },
  fewClouds: { id: 801, main: 'Clouds', description: 'few clouds', iconNumber: '02', wmoCode: 1 },
  scatteredClouds: {
    id: 802,
    main: 'Clouds',
    description: 'scattered clouds',
    iconNumber: '03',
    wmoCode: 2,
  },
  brokenClouds: {
    id: 803,
    main: 'Clouds',
    description: 'broken clouds',
    iconNumber: '04',
    wmoCode: 2,
  },
  overcast: {
    id: 804,
    main: 'Clouds',
    description: 'overcast clouds',
    iconNumber: '04',
    wmoCode: 3,
  },
  fog: { id: 741, main: 'Fog', description: 'fog', iconNumber: '50', wmoCode: 45 },
  lightRain: { id: 500, main: 'Rain', description: 'light rain', iconNumber: '10', wmoCode: 61 },
  moderateRain: {
    id: 501,
    main: 'Rain',
    description: 'moderate rain',
    iconNumber: '10',
    wmoCode: 63,
  },
  heavyRain: {
    id: 502,
    main: 'Rain',
    description: 'heavy intensity rain',
    iconNumber: '10',
    wmoCode: 65,
  },
  lightSnow: { id: 600, main: 'Snow', description: 'light snow', iconNumber: '13', wmoCode: 71 },
  snow: { id: 601, main: 'Snow', description: 'snow', iconNumber: '13', wmoCode: 73 },
  heavySnow: { id: 602, main: 'Snow', description: 'heavy snow', iconNumber: '13', wmoCode: 75 },
  thunderstorm: {
    id: 211,
    main: 'Thunderstorm',
    description: 'thunderstorm',
    iconNumber: '11',
    wmoCode: 95,
  },
} as const satisfies Record<string, SkyCondition>;

export interface SkyInput {
  /** Water-equivalent precipitation of the hour, mm. */
  precipitationMm: number;
  snowing: boolean;
  temperatureC: number;
  cloudCover: number;
  visibilityM: number;
}

/** Thresholds follow OWM's own bands: clouds 11–25 % "few", 25–50 % "scattered", 51–84 % "broken". */
function classify(sky: SkyInput): SkyCondition {
  const p = sky.precipitationMm;
  if (p > 0) {
    if (sky.snowing) return p < 1 ? SKY.lightSnow : p < 4 ? SKY.snow : SKY.heavySnow;
    if (p >= 4 && sky.temperatureC >= 18) return SKY.thunderstorm;
    return p < 1 ? SKY.lightRain : p < 4 ? SKY.moderateRain : SKY.heavyRain;
  }
  if (sky.visibilityM < 1000) return SKY.fog;
  if (sky.cloudCover < 11) return SKY.clear;
  if (sky.cloudCover <= 25) return SKY.fewClouds;
  if (sky.cloudCover <= 50) return SKY.scatteredClouds;
  if (sky.cloudCover <= 84) return SKY.brokenClouds;
  return SKY.overcast;
}

export function describeSky(
  sky: SkyInput,
  isDay: boolean,
): { condition: OwmCondition; weatherCode: number } {
  const c = classify(sky);
  return {
    condition: {
      id: c.id,
      main: c.main,
      description: c.description,
      icon: `${c.iconNumber}${isDay ? 'd' : 'n'}`,
    },
    weatherCode: c.wmoCode,
  };
}
