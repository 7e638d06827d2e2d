/**
 * ISO 3166-1 alpha-2 → English country name ("GB" → "United Kingdom"), from the runtime's CLDR
 * data, for providers that only send the code (OpenWeatherMap geocoding). Unknown → null.
 */
const regions = new Intl.DisplayNames(['en'], { type: 'region', fallback: 'none' });

export function countryName(code: string | null | undefined): string | null {
  if (!code || !/^[A-Za-z]{2}$/.test(code)) return null;
  try {
    return regions.of(code.toUpperCase()) ?? null;
  } catch {
    return null;
  }
}
