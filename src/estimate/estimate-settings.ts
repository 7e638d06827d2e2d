import type { PartialLimits } from '../budget/provider-limits.ts';
import type { EnrichmentServices } from '../enrichment/enrichment-services.ts';
import type { PlaceProviderName } from '../enrichment/geocoding/place-provider.ts';
import type { WeatherProviderName } from '../enrichment/weather/weather-observation.ts';

/** What the estimate counts enrichment against: the providers enrichment asks first. */
export interface EstimateSettings {
  weatherProvider: WeatherProviderName;
  placeProvider: PlaceProviderName;
  /**
   * Every provider enrichment asks, in order (the first ones above included): a cached answer
   * of any of them serves a run, as a fallback's answers do. The first alone by default.
   */
  cacheProviders?: {
    weather: readonly WeatherProviderName[];
    places: readonly PlaceProviderName[];
  };
  limits?: PartialLimits;
  timing?: Partial<EstimateTiming>;
}

/**
 * How long things take besides the limits: the services' response times, Nominatim's pacing,
 * and stridesync's own work. The defaults are for the real services over the internet; the
 * demo and the bench pass their simulators' figures.
 */
export interface EstimateTiming {
  /** One Strava call: a page of 200 summaries (and storing it), the stats. */
  stravaCallMs: number;
  /** One weather call (One Call timemachine, an Open-Meteo range). */
  weatherCallMs: number;
  /** One reverse-geocoding call. */
  placeCallMs: number;
  /** The gap Nominatim's client keeps between two requests: its policy's one a second. */
  nominatimIntervalMs: number;
  /** stridesync's own work per enrichment batch: reading the runs, the caches, the updates. */
  batchWorkMs: number;
}

export const DEFAULT_ESTIMATE_TIMING: EstimateTiming = {
  stravaCallMs: 1000,
  weatherCallMs: 250,
  placeCallMs: 250,
  nominatimIntervalMs: 1000,
  batchWorkMs: 100,
};

/** The providers whose cached answers serve a lookup. */
export function cacheProvidersOf(settings: EstimateSettings): {
  weather: readonly WeatherProviderName[];
  places: readonly PlaceProviderName[];
} {
  return (
    settings.cacheProviders ?? {
      weather: [settings.weatherProvider],
      places: [settings.placeProvider],
    }
  );
}

export function resolveTiming(timing: Partial<EstimateTiming> = {}): EstimateTiming {
  return { ...DEFAULT_ESTIMATE_TIMING, ...timing };
}

/**
 * The providers enrichment asks first, which the estimate counts calls against, and all it asks,
 * whose cached answers serve; `timing` where
 * the process knows better than the defaults (the demo's in-process simulators).
 */
export function estimateSettingsOf(
  services: EnrichmentServices,
  timing?: Partial<EstimateTiming>,
): EstimateSettings | undefined {
  const [weather] = services.weather;
  const [place] = services.places;
  return weather && place
    ? {
        weatherProvider: weather.name,
        placeProvider: place.name,
        limits: services.limits,
        cacheProviders: {
          weather: services.weather.map((p) => p.name),
          places: services.places.map((p) => p.name),
        },
        ...(timing ? { timing } : {}),
      }
    : undefined;
}
