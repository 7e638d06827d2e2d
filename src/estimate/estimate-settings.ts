import type { PartialLimits } from '../budget/provider-limits.ts';
import type { EnrichmentServices } from '../enrichment/enrichment-services.ts';
import type { PlaceProviderName } from '../enrichment/geocoding/place-provider.ts';
import type { WeatherProviderName } from '../enrichment/weather/weather-observation.ts';

/** What the estimate counts enrichment against: the providers enrichment asks first. */
export interface EstimateSettings {
  weatherProvider: WeatherProviderName;
  placeProvider: PlaceProviderName;
  limits?: PartialLimits;
}

/** The providers enrichment asks first, which the estimate counts calls against. */
export function estimateSettingsOf(services: EnrichmentServices): EstimateSettings | undefined {
  const [weather] = services.weather;
  const [place] = services.places;
  return weather && place
    ? { weatherProvider: weather.name, placeProvider: place.name }
    : undefined;
}
