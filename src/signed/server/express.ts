// Express / Connect / node:http middleware of `sealed-session/signed/server`.
import { optionsFromEnv, type SignedServer, type SignedServerOptions } from '../core.js';
import { authenticateNode, type NodeMiddleware, propertyOption } from './node.js';
import { type RequestToken, type SecureSend, toCore } from './shared.js';

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
export function createExpressAuth(options: ExpressAuthOptions | SignedServer): NodeMiddleware {
  const core = toCore(options);
  const maxBody = (options as SignedServerOptions).maxBodySize ?? 1 << 20;
  const property = propertyOption((options as ExpressAuthOptions).property);
  return async (req, res, next) => {
    let ok: boolean;
    try {
      ok = await authenticateNode(core, req, res, maxBody, property, (err) => {
        next(err);
        return res;
      });
    } catch (err) {
      // The application's own code failed (authorize, replay store) or req[property] is taken:
      // a server error for Express's error handler, never a silent 401.
      next(err);
      return;
    }
    if (ok) next();
  };
}

/**
 * Options of {@link createExpressAuth}.
 *
 * @example
 * ```ts
 * app.use(cookieSession({ keys }));
 * app.use(createExpressAuth({ key, origin, property: 'peer' } satisfies ExpressAuthOptions));
 * ```
 */
export interface ExpressAuthOptions extends SignedServerOptions {
  /**
   * Request property that receives the peer (default `session`, as crypto-sessions). If another
   * middleware (cookie-session, express-session) already set it, every request fails with
   * `SignedPropertyClashError` (passed to `next(err)`) instead of being overwritten.
   */
  property?: string;
}

declare global {
  namespace Express {
    interface Request {
      /** True once `sealed-session/signed` verified the request (handlers never run otherwise). */
      isAuthenticated: boolean;
      /** Who signed the request (`sealed-session/signed`). */
      token: RequestToken;
    }
    interface Response {
      /** Signs and encrypts the reply, bound to the verified request (`sealed-session/signed`). */
      secure: SecureSend<Response>;
    }
  }
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
