import { HttpResponse, http } from 'msw';

/** A product or variation of the fake shop, in the REST v3 shape (the fields stock reads and writes). */
export interface FakeWooProduct {
  id: number;
  name: string;
  /** `variation` for a variation, with its variable product in `parent_id`. */
  type: 'simple' | 'variable' | 'variation';
  parent_id: number;
  sku: string;
  /**
   * Whether it manages its own stock. The API shows `parent` on a variation that does not while its product
   * does (`shown`); `parent` stored here counts as false.
   */
  manage_stock: boolean | 'parent';
  stock_quantity: number | null;
  stock_status: 'instock' | 'outofstock' | 'onbackorder';
}

/**
 * The shop's products and variations with their stock. Tests seed them with `set` (or `addProduct`,
 * `addVariation`), read a figure back with `get`, and see each stock write in `writes`.
 */
export interface FakeWooStock {
  products: FakeWooProduct[];
  /** A simple product selling `sku`; its id. `quantity` undefined: stock not managed. */
  addProduct(sku: string, quantity?: number): number;
  /**
   * A variation of a variable product (made, not managing stock, when `parentId` is absent); its ids. `quantity`
   * undefined: the variation does not manage its own stock (shown as `parent` when its product does).
   */
  addVariation(sku: string, quantity?: number, parentId?: number): { productId: number; variationId: number };
  /** Sets the stock of the SKU's product or variation, adding a simple product for an unknown SKU. */
  set(sku: string, quantity: number): void;
  /** The SKU's `stock_quantity` as shown (a variation's product's when it keeps it); undefined for an unknown SKU. */
  get(sku: string): number | null | undefined;
  /** The `sku` of each `GET products?sku=`, in order. */
  lookups: string[];
  /** Each product or variation PUT: the path (`products/12`, `products/10/variations/11`) and the body. */
  writes: { path: string; body: Record<string, unknown> }[];
}

export function fakeWooStock(nextId: () => number): FakeWooStock {
  const stock: FakeWooStock = {
    products: [],
    lookups: [],
    writes: [],
    addProduct(sku, quantity) {
      const id = nextId();
      stock.products.push({
        id,
        name: `Product ${sku}`,
        type: 'simple',
        parent_id: 0,
        sku,
        manage_stock: quantity !== undefined,
        stock_quantity: quantity ?? null,
        stock_status: quantity === undefined || quantity > 0 ? 'instock' : 'outofstock',
      });
      return id;
    },
    addVariation(sku, quantity, parentId) {
      let productId = parentId;
      if (productId === undefined) {
        productId = nextId();
        stock.products.push({
          id: productId,
          name: `Variable ${sku}`,
          type: 'variable',
          parent_id: 0,
          sku: '',
          manage_stock: false,
          stock_quantity: null,
          stock_status: 'instock',
        });
      }
      const variationId = nextId();
      stock.products.push({
        id: variationId,
        name: `Variation ${sku}`,
        type: 'variation',
        parent_id: productId,
        sku,
        manage_stock: quantity !== undefined,
        stock_quantity: quantity ?? null,
        stock_status: quantity === undefined || quantity > 0 ? 'instock' : 'outofstock',
      });
      return { productId, variationId };
    },
    set(sku, quantity) {
      const found = stock.products.find((p) => p.sku === sku);
      if (!found) stock.addProduct(sku, quantity);
      else applyStock(found, { manage_stock: true, stock_quantity: quantity });
    },
    get(sku) {
      const found = stock.products.find((p) => p.sku === sku);
      return found && shown(stock, found).stock_quantity;
    },
  };
  return stock;
}

/**
 * A product or variation as the REST API shows it (WooCommerce's `view` getters): a variation not managing its
 * own stock while its product does shows `manage_stock: "parent"` and the product's quantity and status.
 */
function shown(stock: FakeWooStock, item: FakeWooProduct): FakeWooProduct {
  if (item.type !== 'variation' || item.manage_stock === true) return item;
  const parent = stock.products.find((p) => p.id === item.parent_id && p.type !== 'variation');
  if (parent?.manage_stock !== true) return { ...item, manage_stock: false };
  return {
    ...item,
    manage_stock: 'parent',
    stock_quantity: parent.stock_quantity,
    stock_status: parent.stock_status,
  };
}

/** A stock write as WooCommerce applies it: the status follows the quantity when stock is managed (no backorders). */
function applyStock(product: FakeWooProduct, body: { manage_stock?: boolean; stock_quantity?: number }) {
  if (body.manage_stock !== undefined) product.manage_stock = body.manage_stock;
  if (body.stock_quantity !== undefined) product.stock_quantity = body.stock_quantity;
  if (product.manage_stock === true && product.stock_quantity !== null) {
    product.stock_status = product.stock_quantity > 0 ? 'instock' : 'outofstock';
  }
}

/** The products endpoints: list by SKU, read and update a product or a variation, as WooCommerce answers them. */
export function productHandlers(
  siteUrl: string,
  stock: FakeWooStock,
  authorized: (request: Request) => boolean,
  denied: () => Response,
) {
  const api = `${siteUrl}/wp-json/wc/v3`;
  const invalid = (code: string, message: string) =>
    HttpResponse.json({ code, message, data: { status: 404 } }, { status: 404 });
  const product = (id: unknown) => stock.products.find((p) => p.id === Number(id) && p.type !== 'variation');
  const variation = (parent: unknown, id: unknown) =>
    stock.products.find(
      (p) => p.id === Number(id) && p.type === 'variation' && p.parent_id === Number(parent),
    );
  const noVariation = () => invalid('woocommerce_rest_product_variation_invalid_id', 'Invalid ID.');
  const write = async (request: Request, path: string, target: FakeWooProduct) => {
    const body = (await request.json()) as Record<string, unknown>;
    stock.writes.push({ path, body });
    applyStock(target, body as { manage_stock?: boolean; stock_quantity?: number });
    return HttpResponse.json(shown(stock, target));
  };
  return [
    http.get(`${api}/products`, ({ request }) => {
      if (!authorized(request)) return denied();
      const url = new URL(request.url);
      const sku = url.searchParams.get('sku');
      const perPage = Math.min(Number(url.searchParams.get('per_page') ?? '10'), 100);
      // With `sku`, variations are searched too; WooCommerce splits the value at commas and keeps it whole too.
      if (sku !== null) stock.lookups.push(sku);
      const skus = sku === null ? [] : [...sku.split(','), sku];
      const found = stock.products.filter((p) =>
        sku === null ? p.type !== 'variation' : p.sku !== '' && skus.includes(p.sku),
      );
      const page = found.slice(0, perPage).map((p) => shown(stock, p));
      return HttpResponse.json(page, {
        headers: {
          'x-wp-total': String(found.length),
          'x-wp-totalpages': String(Math.ceil(found.length / perPage)),
        },
      });
    }),
    http.get(`${api}/products/:id`, ({ request, params }) => {
      if (!authorized(request)) return denied();
      const found = stock.products.find((p) => p.id === Number(params.id));
      return found
        ? HttpResponse.json(shown(stock, found))
        : invalid('woocommerce_rest_product_invalid_id', 'Invalid ID.');
    }),
    http.put(`${api}/products/:id`, async ({ request, params }) => {
      if (!authorized(request)) return denied();
      if (stock.products.some((p) => p.id === Number(params.id) && p.type === 'variation')) {
        return invalid(
          'woocommerce_rest_invalid_product_id',
          'To manipulate product variations you should use the /products/&lt;product_id&gt;/variations/&lt;id&gt; endpoint.',
        );
      }
      const found = product(params.id);
      if (!found) return invalid('woocommerce_rest_product_invalid_id', 'Invalid ID.');
      return write(request, `products/${found.id}`, found);
    }),
    http.get(`${api}/products/:parent/variations/:id`, ({ request, params }) => {
      if (!authorized(request)) return denied();
      const found = variation(params.parent, params.id);
      return found ? HttpResponse.json(shown(stock, found)) : noVariation();
    }),
    http.put(`${api}/products/:parent/variations/:id`, async ({ request, params }) => {
      if (!authorized(request)) return denied();
      const found = variation(params.parent, params.id);
      if (!found) return noVariation();
      return write(request, `products/${found.parent_id}/variations/${found.id}`, found);
    }),
  ];
}
