import { z } from 'zod';

/**
 * Rough coordinates for where an address is, from its country and postal code, and the great-circle distance
 * between two of them. Used only to break ties between locations ("nearest"), so a figure that is right to
 * within a region is enough. Everything is a table in this file or the merchant's own table: no online lookup,
 * no geocoding service, nothing that changes between two runs.
 *
 * The shipped figures are approximate, written from general geographic knowledge: a country's centre (the
 * centre of where people live for the large ones: US, CA, MX, BR, AR, AU, NZ, CN, IN, ID, RU, ZA, JP), a US ZIP
 * region by its first digit, a US state (a few big states in parts) by ranges of 3-digit ZIP prefixes, and a
 * Canadian region by the postal code's first letter. Expect errors of 100-300 km; a merchant who needs better
 * gives its own table (`distances` in the routing rules).
 */

/** Latitude and longitude in decimal degrees. */
export type LatLon = readonly [latitude: number, longitude: number];

const Latitude = z.number().min(-90).max(90);
const Longitude = z.number().min(-180).max(180);

/**
 * A merchant's own coordinates: `"DE"` for a country, `"US:941"` or `"GB:SW"` for a postal-code prefix in it
 * (spaces and hyphens in the prefix are ignored, letters compared in capitals). The longest matching prefix wins.
 */
export const DistanceTable = z.record(
  z
    .string()
    .regex(
      /^[A-Za-z]{2}(:[A-Za-z0-9 -]+)?$/,
      'a key is a country code ("DE") or a country and a postal-code prefix ("US:941", "GB:SW")',
    ),
  z.tuple([Latitude, Longitude]),
);
export type DistanceTable = Readonly<Record<string, readonly [number, number]>>;

// biome-ignore format: a table reads best in rows
const COUNTRIES: Record<string, LatLon> = {
  US: [37.4, -92.2], CA: [46.0, -86.0], MX: [21.5, -101.0], GB: [52.8, -1.6], IE: [53.2, -7.7],
  FR: [46.6, 2.4], DE: [51.2, 10.4], NL: [52.2, 5.3], BE: [50.6, 4.5], LU: [49.8, 6.1], ES: [40.2, -3.7],
  PT: [39.6, -8.0], IT: [42.8, 12.6], AT: [47.6, 14.1], CH: [46.8, 8.2], LI: [47.15, 9.55], MC: [43.74, 7.42],
  DK: [55.9, 10.5], SE: [59.5, 15.5], NO: [60.5, 9.0], FI: [61.5, 25.5], IS: [64.9, -19.0], PL: [52.1, 19.4],
  CZ: [49.8, 15.5], SK: [48.7, 19.7], HU: [47.2, 19.5], RO: [45.9, 25.0], BG: [42.7, 25.5], GR: [39.1, 22.0],
  HR: [45.1, 15.2], SI: [46.1, 14.8], RS: [44.0, 20.9], EE: [58.7, 25.5], LV: [56.9, 24.6], LT: [55.2, 23.9],
  UA: [49.0, 31.4], TR: [39.0, 35.2], CY: [35.1, 33.4], MT: [35.9, 14.4], RU: [55.0, 44.0], IL: [31.4, 35.0],
  AE: [24.5, 54.8], SA: [24.0, 45.0], QA: [25.3, 51.2], KW: [29.3, 47.6], BH: [26.0, 50.55], OM: [21.5, 57.0],
  EG: [28.5, 31.0], MA: [32.0, -6.5], NG: [9.1, 8.7], KE: [0.0, 37.9], GH: [7.9, -1.0], ZA: [-28.0, 27.0],
  JP: [35.7, 137.5], KR: [36.5, 127.8], CN: [32.5, 113.0], HK: [22.32, 114.17], MO: [22.2, 113.55],
  TW: [23.7, 121.0], SG: [1.35, 103.82], MY: [3.8, 103.0], TH: [14.5, 101.0], VN: [16.0, 106.5],
  PH: [12.9, 121.8], ID: [-5.0, 112.0], IN: [23.0, 80.0], PK: [30.4, 69.3], BD: [23.7, 90.4], LK: [7.9, 80.8],
  KZ: [48.0, 66.9], GE: [42.3, 43.4], AM: [40.1, 45.0], AU: [-33.5, 144.0], NZ: [-39.5, 175.0],
  BR: [-18.0, -46.0], AR: [-34.5, -61.0], CL: [-34.0, -71.0], CO: [4.6, -74.3], PE: [-9.2, -75.0],
  UY: [-32.5, -55.8], EC: [-1.8, -78.2], VE: [6.4, -66.6], CR: [9.75, -83.75], PA: [8.5, -80.8],
  GT: [15.8, -90.2], SV: [13.8, -88.9], HN: [15.2, -86.2], DO: [18.7, -70.2], JM: [18.1, -77.3],
  BS: [25.0, -77.4], TT: [10.7, -61.2], PR: [18.2, -66.5], VI: [18.34, -64.9], GU: [13.44, 144.79],
};

// US ZIP regions by the first digit (0 New England and NJ ... 9 the Pacific states).
// biome-ignore format: a table reads best in rows
const US_ZIP_REGIONS: readonly LatLon[] = [
  [42.0, -72.0], [41.5, -75.5], [37.0, -78.5], [32.5, -85.0], [40.5, -84.5],
  [45.0, -95.0], [40.0, -93.0], [32.0, -95.5], [38.5, -110.0], [38.0, -120.5],
];

// [state, first 3-digit prefix, last, latitude, longitude]; big states in parts.
// biome-ignore format: a table reads best in rows
const US_ZIP3: readonly (readonly [string, number, number, number, number])[] = [
  ['NY', 5, 5, 40.8, -73.0], ['PR', 6, 7, 18.2, -66.5], ['VI', 8, 8, 18.34, -64.9], ['PR', 9, 9, 18.4, -66.1],
  ['MA', 10, 27, 42.3, -71.8], ['RI', 28, 29, 41.7, -71.5], ['NH', 30, 38, 43.2, -71.5],
  ['ME', 39, 49, 44.5, -69.5], ['VT', 50, 59, 44.1, -72.7], ['CT', 60, 69, 41.6, -72.7],
  ['NJ', 70, 89, 40.3, -74.5], ['NY', 100, 104, 40.76, -73.95], ['NY', 105, 119, 40.9, -73.5],
  ['NY', 120, 149, 42.9, -75.5], ['PA', 150, 168, 40.7, -79.2], ['PA', 169, 196, 40.3, -75.9],
  ['DE', 197, 199, 39.2, -75.5], ['DC', 200, 200, 38.9, -77.0], ['VA', 201, 201, 38.95, -77.45],
  ['DC', 202, 205, 38.9, -77.0], ['MD', 206, 219, 39.1, -76.8], ['VA', 220, 246, 37.8, -78.0],
  ['WV', 247, 268, 38.6, -80.6], ['NC', 270, 289, 35.6, -79.4], ['SC', 290, 299, 33.9, -80.9],
  ['GA', 300, 319, 33.3, -83.8], ['FL', 320, 329, 29.2, -81.8], ['FL', 330, 349, 27.0, -81.2],
  ['AL', 350, 369, 32.8, -86.8], ['TN', 370, 385, 35.8, -86.4], ['MS', 386, 397, 32.7, -89.7],
  ['GA', 398, 399, 33.3, -83.8], ['KY', 400, 427, 37.8, -85.5], ['OH', 430, 459, 40.3, -82.8],
  ['IN', 460, 479, 39.9, -86.3], ['MI', 480, 499, 43.0, -84.2], ['IA', 500, 528, 42.0, -93.2],
  ['WI', 530, 549, 44.0, -89.6], ['MN', 550, 567, 45.3, -93.8], ['SD', 570, 577, 44.0, -99.4],
  ['ND', 580, 588, 47.4, -100.4], ['MT', 590, 599, 46.9, -110.0], ['IL', 600, 608, 41.9, -87.9],
  ['IL', 609, 629, 40.0, -89.2], ['MO', 630, 658, 38.4, -92.4], ['KS', 660, 679, 38.5, -97.4],
  ['NE', 680, 693, 41.3, -97.5], ['LA', 700, 714, 30.8, -91.8], ['AR', 716, 729, 34.9, -92.4],
  ['OK', 730, 749, 35.6, -97.0], ['TX', 750, 769, 32.6, -97.0], ['TX', 770, 779, 29.9, -95.3],
  ['TX', 780, 789, 29.7, -98.2], ['TX', 790, 799, 32.5, -102.5], ['CO', 800, 816, 39.5, -105.2],
  ['WY', 820, 831, 42.9, -107.5], ['ID', 832, 838, 43.6, -115.0], ['UT', 840, 847, 40.5, -111.9],
  ['AZ', 850, 865, 33.4, -111.9], ['NM', 870, 884, 35.0, -106.3], ['TX', 885, 885, 31.8, -106.4],
  ['NV', 889, 898, 37.0, -116.0], ['CA', 900, 908, 34.0, -118.25], ['CA', 910, 935, 34.0, -117.5],
  ['CA', 936, 961, 37.8, -121.5], ['HI', 967, 968, 21.3, -157.8], ['GU', 969, 969, 13.45, 144.8],
  ['OR', 970, 979, 44.9, -122.7], ['WA', 980, 994, 47.4, -122.0], ['AK', 995, 999, 61.3, -149.5],
];

// Canadian regions by the postal code's first letter (A Newfoundland ... Y Yukon).
// biome-ignore format: a table reads best in rows
const CA_POSTAL_REGIONS: Record<string, LatLon> = {
  A: [47.9, -54.0], B: [45.0, -63.3], C: [46.3, -63.2], E: [46.3, -66.2], G: [47.0, -71.3], H: [45.5, -73.6],
  J: [45.9, -73.2], K: [45.0, -76.0], L: [43.5, -79.7], M: [43.7, -79.4], N: [43.0, -81.0], P: [47.5, -83.0],
  R: [50.0, -97.5], S: [51.5, -106.0], T: [52.0, -114.0], V: [49.8, -122.5], X: [63.5, -100.0], Y: [60.7, -135.0],
};

const normalPostal = (postalCode?: string) => (postalCode ?? '').toUpperCase().replace(/[\s-]/g, '');

/**
 * Where an address roughly is: the merchant's table first (the longest matching `"CC:prefix"` key, or `"CC"`),
 * then the shipped tables (US ZIP prefix, US ZIP first digit, Canadian first letter, the country), then
 * undefined. A merchant's entry wins over every shipped figure for that country, even a bare `"US"`.
 */
export function coordinatesOf(
  place: { country: string; postalCode?: string },
  merchantTable?: DistanceTable,
): LatLon | undefined {
  const country = place.country.trim().toUpperCase();
  const postal = normalPostal(place.postalCode);
  return fromMerchant(country, postal, merchantTable) ?? fromShipped(country, postal);
}

function fromMerchant(country: string, postal: string, table?: DistanceTable): LatLon | undefined {
  let best: { length: number; at: LatLon } | undefined;
  for (const [key, at] of Object.entries(table ?? {})) {
    const [keyCountry = '', keyPrefix] = key.split(':');
    if (keyCountry.toUpperCase() !== country) continue;
    const prefix = normalPostal(keyPrefix);
    if (keyPrefix !== undefined && (!prefix || !postal.startsWith(prefix))) continue;
    if (!best || prefix.length > best.length) best = { length: prefix.length, at };
  }
  return best?.at;
}

function fromShipped(country: string, postal: string): LatLon | undefined {
  if (country === 'US' && /^\d/.test(postal)) {
    const zip3 = /^\d{3}/.test(postal) ? Number(postal.slice(0, 3)) : -1;
    const state = US_ZIP3.find(([, from, to]) => zip3 >= from && zip3 <= to);
    return state ? [state[3], state[4]] : US_ZIP_REGIONS[Number(postal[0])];
  }
  if (country === 'CA' && /^[A-Z]/.test(postal)) {
    const region = CA_POSTAL_REGIONS[postal[0]!];
    if (region) return region;
  }
  return COUNTRIES[country];
}

const EARTH_RADIUS_KM = 6371.0088;
const radians = (degrees: number) => (degrees * Math.PI) / 180;

/** The great-circle distance in kilometres (haversine, on a sphere of the Earth's mean radius). */
export function distanceKm(a: LatLon, b: LatLon): number {
  const dLat = radians(b[0] - a[0]);
  const dLon = radians(b[1] - a[1]);
  const h =
    Math.sin(dLat / 2) ** 2 + Math.cos(radians(a[0])) * Math.cos(radians(b[0])) * Math.sin(dLon / 2) ** 2;
  return 2 * EARTH_RADIUS_KM * Math.asin(Math.min(1, Math.sqrt(h)));
}
