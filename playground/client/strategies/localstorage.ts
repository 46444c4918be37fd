// Strategy 2, the naive baseline: a bearer token in localStorage, sent by the page itself.
import { runBearerBaseline } from '../lib/bearer.js';

const KEY = 'pg.token';

runBearerBaseline({
  where: 'localStorage',
  get: () => localStorage.getItem(KEY),
  set: (token) => localStorage.setItem(KEY, token),
  remove: () => localStorage.removeItem(KEY),
});
