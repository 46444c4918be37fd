// Test service worker: the app's token worker. Served at /sw.js (scope /) by the suite's harness.
import { installTokenWorker } from '/mod/worker.js';

const o = self.location.origin;
const refresh = new URL(self.location.href).searchParams.get('refresh') === '1';
installTokenWorker(self, {
  allow: [{ origin: o, pathPrefix: '/api', methods: ['GET', 'POST', 'PUT'] }],
  refresh: refresh ? { url: `${o}/api/auth/refresh`, method: 'POST' } : undefined,
});
