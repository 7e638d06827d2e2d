/**
 * Google's encoded polyline format (precision 5), which Strava uses for `map.summary_polyline`:
 * each coordinate as a zig-zag delta from the previous one, in 5-bit chunks offset by 63.
 */
export function encodePolyline(points: readonly (readonly [number, number])[]): string {
  let output = '';
  let previousLat = 0;
  let previousLng = 0;
  for (const [lat, lng] of points) {
    const scaledLat = Math.round(lat * 1e5);
    const scaledLng = Math.round(lng * 1e5);
    output += encodeValue(scaledLat - previousLat) + encodeValue(scaledLng - previousLng);
    previousLat = scaledLat;
    previousLng = scaledLng;
  }
  return output;
}

/** The inverse, for tests: points back from an encoded polyline. */
export function decodePolyline(encoded: string): [number, number][] {
  const points: [number, number][] = [];
  let index = 0;
  let lat = 0;
  let lng = 0;
  const nextValue = (): number => {
    let result = 0;
    let shift = 0;
    let byte: number;
    do {
      byte = encoded.charCodeAt(index++) - 63;
      result |= (byte & 0x1f) << shift;
      shift += 5;
    } while (byte >= 0x20);
    return result & 1 ? ~(result >> 1) : result >> 1;
  };
  while (index < encoded.length) {
    lat += nextValue();
    lng += nextValue();
    points.push([lat / 1e5, lng / 1e5]);
  }
  return points;
}

function encodeValue(value: number): string {
  let rest = value < 0 ? ~(value << 1) : value << 1;
  let output = '';
  while (rest >= 0x20) {
    output += String.fromCharCode((0x20 | (rest & 0x1f)) + 63);
    rest >>= 5;
  }
  return output + String.fromCharCode(rest + 63);
}
