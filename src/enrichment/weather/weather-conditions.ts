/**
 * One vocabulary for the sky, whichever provider answered: the WMO 4677 weather code (what
 * Open-Meteo returns as `weather_code`), a short English description and OpenWeatherMap's icon
 * name (`01d`, a widely used icon set). OpenWeatherMap's own condition ids are mapped onto WMO
 * codes here, so `activities.weather_code` never mixes two code systems in one column.
 */

interface WmoCondition {
  description: string;
  /** OpenWeatherMap icon number; `d`/`n` is appended for day or night. */
  iconNumber: string;
}

/** The WMO codes Open-Meteo documents, plus the few OpenWeatherMap conditions map onto. */
const WMO: Readonly<Record<number, WmoCondition>> = {
  0: { description: 'clear sky', iconNumber: '01' },
  1: { description: 'mainly clear', iconNumber: '02' },
  2: { description: 'partly cloudy', iconNumber: '03' },
  3: { description: 'overcast', iconNumber: '04' },
  4: { description: 'smoke', iconNumber: '50' },
  5: { description: 'haze', iconNumber: '50' },
  6: { description: 'dust', iconNumber: '50' },
  7: { description: 'dust or sand raised by wind', iconNumber: '50' },
  10: { description: 'mist', iconNumber: '50' },
  18: { description: 'squalls', iconNumber: '50' },
  19: { description: 'funnel cloud', iconNumber: '50' },
  45: { description: 'fog', iconNumber: '50' },
  48: { description: 'depositing rime fog', iconNumber: '50' },
  51: { description: 'light drizzle', iconNumber: '09' },
  53: { description: 'moderate drizzle', iconNumber: '09' },
  55: { description: 'dense drizzle', iconNumber: '09' },
  56: { description: 'light freezing drizzle', iconNumber: '09' },
  57: { description: 'dense freezing drizzle', iconNumber: '09' },
  61: { description: 'slight rain', iconNumber: '10' },
  63: { description: 'moderate rain', iconNumber: '10' },
  65: { description: 'heavy rain', iconNumber: '10' },
  66: { description: 'light freezing rain', iconNumber: '13' },
  67: { description: 'heavy freezing rain', iconNumber: '13' },
  68: { description: 'light rain and snow', iconNumber: '13' },
  69: { description: 'rain and snow', iconNumber: '13' },
  71: { description: 'slight snow fall', iconNumber: '13' },
  73: { description: 'moderate snow fall', iconNumber: '13' },
  75: { description: 'heavy snow fall', iconNumber: '13' },
  77: { description: 'snow grains', iconNumber: '13' },
  80: { description: 'slight rain showers', iconNumber: '09' },
  81: { description: 'moderate rain showers', iconNumber: '09' },
  82: { description: 'violent rain showers', iconNumber: '09' },
  85: { description: 'slight snow showers', iconNumber: '13' },
  86: { description: 'heavy snow showers', iconNumber: '13' },
  95: { description: 'thunderstorm', iconNumber: '11' },
  96: { description: 'thunderstorm with slight hail', iconNumber: '11' },
  99: { description: 'thunderstorm with heavy hail', iconNumber: '11' },
};

/** OpenWeatherMap condition id → WMO code, group by group (openweathermap.org/weather-conditions). */
const OWM_TO_WMO: Readonly<Record<number, number>> = {
  ...Object.fromEntries([200, 201, 202, 210, 211, 212, 221, 230, 231, 232].map((id) => [id, 95])),
  300: 51,
  301: 53,
  302: 55,
  310: 51,
  311: 53,
  312: 55,
  313: 53,
  314: 55,
  321: 53,
  500: 61,
  501: 63,
  502: 65,
  503: 65,
  504: 65,
  511: 66,
  520: 80,
  521: 81,
  522: 82,
  531: 82,
  600: 71,
  601: 73,
  602: 75,
  611: 68,
  612: 68,
  613: 69,
  615: 68,
  616: 69,
  620: 85,
  621: 85,
  622: 86,
  701: 10,
  711: 4,
  721: 5,
  731: 7,
  741: 45,
  751: 7,
  761: 6,
  762: 4,
  771: 18,
  781: 19,
  800: 0,
  801: 1,
  802: 2,
  803: 2,
  804: 3,
};

/** OpenWeatherMap's condition id as a WMO code; null for an id OWM has added since. */
export function wmoCodeOfOwmCondition(id: number): number | null {
  return OWM_TO_WMO[id] ?? null;
}

/** Description and icon of a WMO code by day or night; nulls for a code not in the table. */
export function describeWmoCode(
  code: number,
  isDay: boolean,
): { description: string | null; icon: string | null } {
  const condition = WMO[code];
  if (!condition) return { description: null, icon: null };
  return {
    description: condition.description,
    icon: `${condition.iconNumber}${isDay ? 'd' : 'n'}`,
  };
}
