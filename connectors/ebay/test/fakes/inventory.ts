import { HttpResponse, http } from 'msw';

/** What the Inventory API handler keeps (part of the fake's state). */
export interface InventoryState {
  inventory: Map<string, number>;
  revisions: Map<string, number>;
}

type Admit = (request: Request, operation: string) => Response | undefined;

/**
 * bulkUpdatePriceQuantity: one answer per SKU in `responses` (200 when all succeed, 207 Multi-Status
 * otherwise), a SKU the seller's inventory does not have answered 404 with error 25702, and a listing revised
 * more than 250 times in the day refused.
 */
export function inventoryHandlers(base: string, state: InventoryState, admit: Admit) {
  return [
    http.post(`${base}/sell/inventory/v1/bulk_update_price_quantity`, async ({ request }) => {
      const refused = admit(request, 'bulkUpdatePriceQuantity');
      if (refused) return refused;
      const body = (await request.json()) as {
        requests?: { sku?: string; shipToLocationAvailability?: { quantity?: number } }[];
      };
      const responses = (body.requests ?? []).map(({ sku = '', shipToLocationAvailability }) => {
        const quantity = shipToLocationAvailability?.quantity;
        if (!state.inventory.has(sku)) {
          return {
            sku,
            statusCode: 404,
            errors: [
              {
                errorId: 25702,
                domain: 'API_INVENTORY',
                category: 'REQUEST',
                message: `SKU ${sku} could not be found or is not available in the system.`,
              },
            ],
          };
        }
        if (!Number.isInteger(quantity) || quantity! < 0) {
          return {
            sku,
            statusCode: 400,
            errors: [
              {
                errorId: 25709,
                domain: 'API_INVENTORY',
                category: 'REQUEST',
                message: 'Invalid value for quantity.',
              },
            ],
          };
        }
        const revisions = (state.revisions.get(sku) ?? 0) + 1;
        if (revisions > 250) {
          return {
            sku,
            statusCode: 400,
            errors: [
              {
                errorId: 25002,
                domain: 'API_INVENTORY',
                category: 'REQUEST',
                message: 'A user error has occurred. The listing has been revised too many times today.',
              },
            ],
          };
        }
        state.revisions.set(sku, revisions);
        state.inventory.set(sku, quantity!);
        return { sku, statusCode: 200 };
      });
      const allSet = responses.every((r) => r.statusCode === 200);
      return HttpResponse.json({ responses }, { status: allSet ? 200 : 207 });
    }),
  ];
}
