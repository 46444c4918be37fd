// The few service-worker types this module needs. The project compiles against the DOM lib only
// (no WebWorker lib, whose globals conflict with DOM), so they are declared here, structurally.

/**
 * The `install`/`activate` event of a service worker.
 *
 * @example
 * ```ts
 * self.addEventListener('activate', (e: SwExtendableEvent) => e.waitUntil(self.clients.claim()));
 * ```
 */
export interface SwExtendableEvent {
  waitUntil(p: Promise<unknown>): void;
}

/**
 * A `message` event received by a service worker.
 *
 * @example
 * ```ts
 * self.addEventListener('message', (e: SwMessageEvent) => console.debug(e.origin));
 * ```
 */
export interface SwMessageEvent extends SwExtendableEvent {
  readonly data: unknown;
  /** The sending client; its `id` cannot be chosen by the page. */
  readonly source: { readonly id: string } | null | object;
  readonly ports: readonly MessagePort[];
}

/**
 * A `fetch` event received by a service worker.
 *
 * @example
 * ```ts
 * self.addEventListener('fetch', (e: SwFetchEvent) => e.respondWith(fetch(e.request)));
 * ```
 */
export interface SwFetchEvent extends SwExtendableEvent {
  readonly request: Request;
  /** Id of the client that made the request ('' for navigations). */
  readonly clientId: string;
  respondWith(r: Response | Promise<Response>): void;
}

/**
 * The parts of `ServiceWorkerGlobalScope` that `installTokenWorker` uses.
 *
 * @example
 * ```ts
 * declare const self: TokenWorkerScope;
 * installTokenWorker(self, config);
 * ```
 */
export interface TokenWorkerScope {
  addEventListener(type: 'install' | 'activate', listener: (e: SwExtendableEvent) => void): void;
  addEventListener(type: 'message', listener: (e: SwMessageEvent) => void): void;
  addEventListener(type: 'fetch', listener: (e: SwFetchEvent) => void): void;
  skipWaiting(): Promise<void>;
  readonly clients: { claim(): Promise<void> };
}
