/**
 * How column values come back, the same from both adapters, so code never depends on which
 * database it runs on:
 * - bigint (Strava ids, counts) → decimal string: JavaScript numbers lose digits past 2^53.
 * - numeric → string, for the same reason.
 * - timestamp without time zone (a run's local wall time) → `YYYY-MM-DDTHH:MM:SS` string:
 *   turning it into a Date would invent a zone it does not have.
 * - date → `YYYY-MM-DD` string.
 * - timestamptz → Date (both drivers' default), json/jsonb → parsed value.
 */
export const OID = { INT8: 20, NUMERIC: 1700, TIMESTAMP: 1114, DATE: 1082 } as const;

const asText = (value: string): string => value;
const localTimestamp = (value: string): string => value.replace(' ', 'T');

export const TEXT_PARSERS: Readonly<Record<number, (value: string) => unknown>> = {
  [OID.INT8]: asText,
  [OID.NUMERIC]: asText,
  [OID.TIMESTAMP]: localTimestamp,
  [OID.DATE]: asText,
};
