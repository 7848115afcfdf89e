import { describe, expect, it } from 'vitest';
import { coordinatesOf, DistanceTable, distanceKm, type LatLon } from '../src/index.ts';

const NEW_YORK: LatLon = [40.7128, -74.006];
const LOS_ANGELES: LatLon = [34.0522, -118.2437];

describe('distanceKm', () => {
  it('is the great-circle distance: New York to Los Angeles is about 3,940 km', () => {
    expect(distanceKm(NEW_YORK, LOS_ANGELES)).toBeGreaterThan(3900);
    expect(distanceKm(NEW_YORK, LOS_ANGELES)).toBeLessThan(4000);
    expect(distanceKm(NEW_YORK, NEW_YORK)).toBe(0);
    expect(distanceKm([0, 0], [0, 180])).toBeCloseTo(Math.PI * 6371.0088, 3);
  });

  it('gives a figure within a region from the shipped ZIP table', () => {
    const manhattan = coordinatesOf({ country: 'US', postalCode: '10001' })!;
    const downtownLa = coordinatesOf({ country: 'US', postalCode: '90012-3308' })!;
    expect(distanceKm(manhattan, downtownLa)).toBeGreaterThan(3900);
    expect(distanceKm(manhattan, downtownLa)).toBeLessThan(4000);
    expect(distanceKm(manhattan, NEW_YORK)).toBeLessThan(15);
  });
});

describe('coordinatesOf', () => {
  it('reads US ZIPs by 3-digit prefix, then by first digit, then the country', () => {
    expect(coordinatesOf({ country: 'US', postalCode: '94103' })).toEqual([37.8, -121.5]);
    expect(coordinatesOf({ country: 'us', postalCode: ' 02134 ' })).toEqual([42.3, -71.8]);
    // 090-099 are military post offices abroad: no state, so the first digit's region.
    expect(coordinatesOf({ country: 'US', postalCode: '09012' })).toEqual([42.0, -72.0]);
    expect(coordinatesOf({ country: 'US' })).toEqual([37.4, -92.2]);
    expect(coordinatesOf({ country: 'US', postalCode: 'N/A' })).toEqual([37.4, -92.2]);
  });

  it('reads Canadian postal codes by their first letter, then the country', () => {
    expect(coordinatesOf({ country: 'CA', postalCode: 'M5V 2T6' })).toEqual([43.7, -79.4]);
    expect(coordinatesOf({ country: 'CA', postalCode: 'v6b1a1' })).toEqual([49.8, -122.5]);
    expect(coordinatesOf({ country: 'CA', postalCode: 'Z1Z' })).toEqual([46.0, -86.0]);
  });

  it('knows the countries commonly shipped to, and nothing it has no figure for', () => {
    const common =
      'US CA MX GB IE FR DE NL BE ES PT IT AT CH DK SE NO FI PL CZ AU NZ JP KR CN SG IN BR AR ZA AE';
    for (const country of common.split(' ')) expect(coordinatesOf({ country }), country).toBeDefined();
    expect(coordinatesOf({ country: 'GB', postalCode: 'SW1A 1AA' })).toEqual([52.8, -1.6]);
    expect(coordinatesOf({ country: 'ZZ', postalCode: '123' })).toBeUndefined();
  });

  it("takes the merchant's table first, the longest matching prefix winning", () => {
    const table = {
      GB: [51.0, -1.0],
      'GB:S': [53.4, -1.5],
      'GB:SW': [51.46, -0.17],
      'us:941': [37.77, -122.42],
    } as const;
    expect(coordinatesOf({ country: 'GB', postalCode: 'SW1A 1AA' }, table)).toEqual([51.46, -0.17]);
    expect(coordinatesOf({ country: 'GB', postalCode: 'S1 2HE' }, table)).toEqual([53.4, -1.5]);
    expect(coordinatesOf({ country: 'GB', postalCode: 'M1 1AE' }, table)).toEqual([51.0, -1.0]);
    expect(coordinatesOf({ country: 'US', postalCode: '94107' }, table)).toEqual([37.77, -122.42]);
    expect(coordinatesOf({ country: 'US', postalCode: '10001' }, table)).toEqual([40.76, -73.95]);
  });

  it("lets a merchant's bare country entry replace the shipped postal figures for that country", () => {
    expect(coordinatesOf({ country: 'US', postalCode: '10001' }, { US: [39.0, -77.0] })).toEqual([
      39.0, -77.0,
    ]);
    expect(coordinatesOf({ country: 'IS' }, { IS: [64.1, -21.9] })).toEqual([64.1, -21.9]);
  });
});

describe('DistanceTable', () => {
  it('takes country and prefix keys with latitude and longitude', () => {
    expect(DistanceTable.parse({ DE: [51.2, 10.4], 'GB:SW': [51.46, -0.17] })).toBeTruthy();
    expect(DistanceTable.safeParse({ 'US-941': [37, -122] }).success).toBe(false);
    expect(DistanceTable.safeParse({ US: [97, -122] }).success).toBe(false);
    expect(DistanceTable.safeParse({ US: [37] }).success).toBe(false);
  });
});
