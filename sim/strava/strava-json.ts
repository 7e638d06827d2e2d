/**
 * JSON as Strava writes it. Two things `JSON.stringify` cannot do on its own:
 * - integers beyond 2^53 written with all their digits (the swagger example's `upload_id`
 *   987654321234567891234), which a JS number cannot hold;
 * - floats written as floats (`"utc_offset":-14400.0`, `"elev_high":15.0`), as the real 2025
 *   payload has them.
 * Such values are held as `RawNumber` (the exact JSON text) and spliced in after stringifying.
 */
export class RawNumber {
  constructor(readonly text: string) {
    if (!/^-?\d+(\.\d+)?([eE][+-]?\d+)?$/.test(text)) throw new Error(`not a JSON number: ${text}`);
  }
}

export const JSON_CONTENT_TYPE = 'application/json; charset=utf-8';

/** A float field: `34` is written `34.0`, `3.145` as is; null stays null. */
export function float(value: number | null | undefined): RawNumber | null {
  if (value === null || value === undefined) return null;
  return new RawNumber(Number.isInteger(value) ? `${value}.0` : String(value));
}

/** An integer given as decimal digits, written as a bare JSON number however long. */
export function bigInteger(digits: string | null | undefined): RawNumber | null {
  return digits === null || digits === undefined ? null : new RawNumber(digits);
}

// A private-use character: it cannot come out of JSON.stringify escaped, and the pattern also
// requires the exact marker shape, so a user's text can never be mistaken for a raw number.
const MARK = '\uE000';
const MARKED = new RegExp(`"${MARK}(-?[0-9.eE+-]+)${MARK}"`, 'g');

export function stringifyStrava(value: unknown, indent?: number): string {
  const text = JSON.stringify(
    value,
    (_key, item: unknown) => (item instanceof RawNumber ? `${MARK}${item.text}${MARK}` : item),
    indent,
  );
  return text.replace(MARKED, '$1');
}
