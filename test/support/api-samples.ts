import { readFileSync } from 'node:fs';

/** The real and documented payloads the tests check against (test/fixtures/api-samples, see SOURCES.md there). */
const API_SAMPLES_DIR = new URL('../fixtures/api-samples/', import.meta.url);

export const ACTIVITY_PAGE_SAMPLES = [
  'strava_athlete_activities_page_real_2025.json',
  'strava_athlete_activities_page_swagger_example.json',
] as const;

/** A sample's exact text, without the trailing newline some files have. */
export function readApiSampleText(fileName: string): string {
  return readFileSync(new URL(fileName, API_SAMPLES_DIR), 'utf8').trimEnd();
}

export function readApiSample<T = unknown>(fileName: string): T {
  return JSON.parse(readApiSampleText(fileName)) as T;
}

/** One page of GET /athlete/activities: an array of summaries, as raw as JSON.parse leaves it. */
export function readActivityPage(fileName: string): Record<string, unknown>[] {
  const page = readApiSample(fileName);
  if (!Array.isArray(page)) throw new Error(`${fileName} is not an activity page`);
  return page;
}
