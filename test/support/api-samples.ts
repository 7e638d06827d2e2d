import { readFileSync } from 'node:fs';

/** The real and documented payloads in shared/fixtures/api-samples (see SOURCES.md there). */
const API_SAMPLES_DIR = new URL('../../../shared/fixtures/api-samples/', import.meta.url);

export const ACTIVITY_PAGE_SAMPLES = [
  'strava_athlete_activities_page_real_2025.json',
  'strava_athlete_activities_page_swagger_example.json',
] as const;

export function readApiSample(fileName: string): unknown {
  return JSON.parse(readFileSync(new URL(fileName, API_SAMPLES_DIR), 'utf8'));
}

/** One page of GET /athlete/activities: an array of summaries, as raw as JSON.parse leaves it. */
export function readActivityPage(fileName: string): Record<string, unknown>[] {
  const page = readApiSample(fileName);
  if (!Array.isArray(page)) throw new Error(`${fileName} is not an activity page`);
  return page;
}
