// Strategy 3, the naive baseline: a bearer token in sessionStorage (per tab), sent by the page itself.
import { runBearerBaseline } from '../lib/bearer.js';

const KEY = 'pg.token';

runBearerBaseline({
  where: 'sessionStorage',
  get: () => sessionStorage.getItem(KEY),
  set: (token) => sessionStorage.setItem(KEY, token),
  remove: () => sessionStorage.removeItem(KEY),
});
