// The playground's service worker (strategy 6): sealed-session/worker holds the token here.
// Served at /s/worker/sw.js so that its scope is the worker strategy page only.
/// <reference lib="webworker" />
import { installTokenWorker } from '../../src/worker/index.ts';

installTokenWorker(self as unknown as ServiceWorkerGlobalScope, {
  allow: [{ origin: self.location.origin, pathPrefix: '/api/worker', methods: ['GET', 'POST'] }],
  tokenField: 'token',
  scheme: 'Bearer',
});
