/** The test keyset and seller consent every eBay test of this connector uses (made up; eBay's formats). */
export const apiOrigin = 'https://api.ebay.test';

export const secrets = {
  clientId: 'AcmeOutf-Switchya-PRD-5f2c3a4b1-7d8e9f0a',
  clientSecret: 'PRD-f2c3a4b15d6e-7f8a-9b0c-1d2e-3f4a',
  refreshToken:
    'v^1.1#i^1#r^1#p^3#I^3#f^0#t^Ul4xMF8zOjQ1RkE3QjE2QjJCQ0E0NjU2NjdFQjk3MDI5RDJBQ0ZFXzFfMSNFXjI2MA==',
  verificationToken: 'acme-ebay-destination-verification-0123456789',
};
