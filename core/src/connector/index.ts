// The connector SDK: what a connector declares (define.ts) and the parts it may implement, one idea per file.
export type * from './actions.ts';
export {
  type AuthorizationCodeFlow,
  type AuthorizedAccess,
  type GrantedTokens,
  isReconnectNeeded,
  ReconnectNeededError,
} from './authorization.ts';
export type * from './books.ts';
export type * from './capabilities.ts';
export { CREDENTIAL_HEADERS, isCredentialHeader, storableHeaders } from './credentials.ts';
export {
  type AnyConnector,
  type ConnectorDefinition,
  defineConnector,
  type NormalizeResult,
} from './define.ts';
export {
  type FileConnection,
  type FileIntake,
  type FileReceipt,
  fileIntakeOf,
  type InboundFile,
} from './files.ts';
export type * from './hydrate.ts';
export {
  forgetTokenSources,
  type MintedToken,
  observeTokenStates,
  type TokenSource,
  type TokenSourceOptions,
  type TokenState,
  type TokenStateObserver,
  tokenSource,
  tokenStates,
} from './oauth.ts';
export type * from './pull.ts';
export {
  bodyText,
  type ConnectionContext,
  type InboundRequest,
  jsonObject,
  mediaType,
  type StoredPayload,
} from './request.ts';
export type * from './shipping.ts';
export type * from './signal.ts';
export { checkToken } from './token.ts';
export {
  authModeOf,
  type NotificationQueue,
  type PublicKeyLookup,
  type QueuedNotification,
  type VerificationKey,
  type VerifyResult,
  type WebhookAuthMode,
  type WebhookIntake,
} from './webhook.ts';
export { zodMessage } from './zod-message.ts';
