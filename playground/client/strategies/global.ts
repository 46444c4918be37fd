// Strategy 4, the naive baseline: a bearer token in a global variable.
import { runBearerBaseline } from '../lib/bearer.js';

declare global {
  interface Window {
    sessionToken?: string | undefined;
  }
}

runBearerBaseline({
  where: 'window.sessionToken',
  get: () => window.sessionToken,
  set: (token) => {
    window.sessionToken = token;
  },
  remove: () => {
    window.sessionToken = undefined;
  },
});
