// Express / Connect / node:http middleware of `sealed-session/signed/server`.
import { optionsFromEnv, type SignedServer, type SignedServerOptions } from '../core.js';
import { authenticateNode, type NodeMiddleware } from './node.js';
import { toCore } from './shared.js';

/**
 * Express/Connect middleware built from explicit options (the preferred form). Verified requests
 * get `req.session` (the peer), `req.body` (decrypted) and `res.secure.send/json`; anything else
 * gets 401 and the rest of the chain never runs.
 *
 * @example
 * ```ts
 * app.use(createExpressAuth({ key: serverSecretKey, origin: 'https://api.example.com' }));
 * app.post('/notes', (req, res) => res.secure.json({ saved: req.body, by: req.session.peerKey }));
 * ```
 */
export function createExpressAuth(options: SignedServerOptions | SignedServer): NodeMiddleware {
  const core = toCore(options);
  const maxBody = (options as SignedServerOptions).maxBodySize ?? 1 << 20;
  return async (req, res, next) => {
    if (await authenticateNode(core, req, res, maxBody)) next();
  };
}

let envMiddleware: NodeMiddleware | null = null;

/**
 * crypto-sessions' drop-in: `app.use(useAuthWithExpress)`, configured from `CRYPTO_SESSION_KEY`
 * and `CRYPTO_SESSION_HOST` on first use. A missing variable is passed to `next(err)` (the handler
 * never runs). Prefer {@link createExpressAuth} with explicit options.
 *
 * @example
 * ```ts
 * process.env.CRYPTO_SESSION_KEY = serverSecretKey; process.env.CRYPTO_SESSION_HOST = 'http://localhost:3000';
 * app.use(useAuthWithExpress);
 * ```
 */
export const useAuthWithExpress: NodeMiddleware = async (req, res, next) => {
  try {
    envMiddleware ??= createExpressAuth(optionsFromEnv());
  } catch (err) {
    next(err);
    return;
  }
  return envMiddleware(req, res, next);
};
