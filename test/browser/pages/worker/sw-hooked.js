// The token worker under THREATS 45: the module loads first, then a script imported after it (an
// analytics or push library, say) replaces the worker's built-ins with capture hooks
// (/capture-sw.js, test/browser/support/capture.ts), and only then is the token worker installed.
// Module imports evaluate in order, so the hooks are in place before installTokenWorker runs.
import { installTokenWorker } from '/mod/worker.js';
import '/capture-sw.js';

const o = self.location.origin;
installTokenWorker(self, {
  allow: [{ origin: o, pathPrefix: '/api', methods: ['GET', 'POST', 'PUT'] }],
});
