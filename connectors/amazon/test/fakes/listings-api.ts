import { randomUUID } from 'node:crypto';
import type { Operation } from '../../src/rate-limit.ts';
import { errors, type FakeListing, type Json, type Wire } from './orders-api.ts';

/**
 * The fake's Listings Items API (2021-08-01): getListingsItem (summaries with the product type, fulfillment
 * availability by channel) and patchListingsItem (a `merge` of fulfillment_availability; 200 ACCEPTED, or 200
 * INVALID with its issues when the product type does not match or the listing is set to refuse).
 */
export async function listing(
  w: Wire,
  op: Operation,
  sellerId: string,
  sku: string,
  q: URLSearchParams,
  request: Request,
) {
  if (sellerId !== w.sellerId) return errors(403, 'Unauthorized', 'Access to requested resource is denied.');
  if (!q.get('marketplaceIds'))
    return errors(400, 'InvalidInput', 'Missing required marketplaceIds', undefined, w.rateHeader(op));
  const item = w.listings.get(sku);
  if (!item)
    return errors(
      404,
      'NOT_FOUND',
      `SKU '${sku}' not found in marketplace ${q.get('marketplaceIds')}`,
      undefined,
      w.rateHeader(op),
    );
  const marketplaceId = q.get('marketplaceIds')!.split(',')[0]!;
  if (op === 'getListingsItem') {
    return w.answer(op, {
      sku,
      summaries: [
        {
          marketplaceId,
          asin: 'B0FAKE0001',
          productType: item.productType,
          conditionType: 'new_new',
          status: ['BUYABLE', 'DISCOVERABLE'],
          itemName: sku,
          createdDate: '2026-01-01T00:00:00Z',
          lastUpdatedDate: '2026-11-01T00:00:00Z',
        },
      ],
      fulfillmentAvailability: Object.entries(item.channels).map(([fulfillmentChannelCode, quantity]) => ({
        fulfillmentChannelCode,
        quantity,
      })),
    });
  }
  const body = (await request.json()) as Json;
  w.patches.push({ sku, body });
  const submissionId = randomUUID().replace(/-/g, '');
  const invalid = (issues: FakeListing['invalid']) =>
    w.answer(op, {
      sku,
      status: 'INVALID',
      submissionId,
      issues: issues!.map((i) => ({ ...i, attributeNames: ['fulfillment_availability'] })),
    });
  if (body.productType !== item.productType) {
    return invalid([
      {
        code: '90220',
        message: `'productType' ${String(body.productType)} does not match the listing's ${item.productType}`,
        severity: 'ERROR',
      },
    ]);
  }
  if (item.invalid?.length) return invalid(item.invalid);
  const patch = (body.patches as Json[] | undefined)?.[0];
  const value = (patch?.value as { fulfillment_channel_code?: string; quantity?: number }[] | undefined)?.[0];
  if (
    patch?.op !== 'merge' ||
    patch.path !== '/attributes/fulfillment_availability' ||
    typeof value?.quantity !== 'number'
  ) {
    return invalid([
      { code: '4000001', message: 'The patch is not a fulfillment_availability merge', severity: 'ERROR' },
    ]);
  }
  item.channels[value.fulfillment_channel_code ?? 'DEFAULT'] = value.quantity;
  return w.answer(op, { sku, status: 'ACCEPTED', submissionId, issues: [] });
}
