// sealed-session/worker: the token held in a service worker. `installTokenWorker` runs in the
// worker; `registerTokenWorker` runs in the page and returns a client with the vault's signatures.
export type { AllowRule, Method } from '../vault/allow.js';
export {
  type RegisterOptions,
  registerTokenWorker,
  type TokenWorkerClient,
  type TokenWorkerRequestInit,
} from './client.js';
export { WorkerError, type WorkerErrorCode } from './errors.js';
export { installTokenWorker, type TokenWorkerConfig } from './sw.js';
export type { SwExtendableEvent, SwFetchEvent, SwMessageEvent, TokenWorkerScope } from './sw-types.js';
