// Shared fixtures for the signed-request suites: a server core behind a Web handler, and a
// SecureFetch whose transport can be intercepted to play the attacker in the middle.
import type { FastifyInstance } from 'fastify';
import {
  generateSecretKey,
  getPublicKey,
  SecureFetch,
  type SecureFetchFunction,
} from '../../src/signed/index.js';
import {
  createSignedHandler,
  MemoryReplayCache,
  type SignedServerOptions,
} from '../../src/signed/server/index.js';

export const ORIGIN = 'https://api.example.test';

export interface Rig {
  serverKey: string;
  serverPublic: string;
  clientKey: string;
  clientPublic: string;
  calls: number;
  failures: string[];
  handler: (req: Request) => Promise<Response>;
  /** The last response as it came off the wire. */
  lastResponse?: Response;
  /** Every request that reached the wire, as the attacker sees it. */
  wire: Request[];
  client: SecureFetchFunction;
  /** Sends a raw Request straight to the server (the attacker's own client). */
  raw(req: Request): Promise<Response>;
}

export async function makeRig(
  alg: 'ed25519' | 'p256' | 'secp256k1' = 'ed25519',
  opts: Partial<SignedServerOptions> & {
    clientAlg?: 'ed25519' | 'p256' | 'secp256k1';
    tamper?: (req: Request) => Request | Promise<Request>;
    tamperResponse?: (res: Response, req: Request) => Response | Promise<Response>;
  } = {},
): Promise<Rig> {
  const serverKey = generateSecretKey(alg);
  const clientKey = generateSecretKey(opts.clientAlg ?? alg);
  const rig = {
    serverKey,
    serverPublic: await getPublicKey(serverKey),
    clientKey,
    clientPublic: await getPublicKey(clientKey),
    calls: 0,
    failures: [] as string[],
    wire: [] as Request[],
  } as Rig;
  rig.handler = createSignedHandler(
    {
      key: serverKey,
      origin: ORIGIN,
      replayCache: new MemoryReplayCache(),
      onFailure: (r) => rig.failures.push(r),
      ...opts,
    },
    async (req, secure) => {
      rig.calls++;
      const url = new URL(req.url);
      if (url.pathname === '/plain') return new Response('plain reply', { status: 201 });
      if (url.pathname === '/error') return secure.json({ error: 'nope' }, { status: 404 });
      return secure.json({
        method: req.method,
        path: url.pathname + url.search,
        peer: secure.session.peerKey,
        data: secure.data ?? null,
      });
    },
  );
  rig.raw = (req) => rig.handler(req);
  rig.client = SecureFetch(rig.serverPublic, clientKey, {
    hostname: ORIGIN,
    fetcher: async (input, init) => {
      let req = new Request(input, init);
      rig.wire.push(req.clone());
      if (opts.tamper) req = await opts.tamper(req);
      const copy = req.clone();
      const res = await rig.handler(req);
      rig.lastResponse = res.clone();
      return opts.tamperResponse ? opts.tamperResponse(res, copy) : res;
    },
  });
  return rig;
}

/** A copy of `req` with some fields changed (the body is copied as bytes). */
export async function remake(
  req: Request,
  change: {
    url?: string;
    method?: string;
    headers?: Record<string, string | null>;
    body?: string | null;
  } = {},
): Promise<Request> {
  const headers = new Headers(req.headers);
  for (const [k, v] of Object.entries(change.headers ?? {})) {
    if (v === null) headers.delete(k);
    else headers.set(k, v);
  }
  const method = change.method ?? req.method;
  const body =
    change.body !== undefined
      ? change.body
      : req.body
        ? new Uint8Array(await req.clone().arrayBuffer())
        : null;
  return new Request(change.url ?? req.url, {
    method,
    headers,
    body: method === 'GET' || method === 'HEAD' ? null : body,
  });
}

/**
 * A SecureFetch transport that sends each request through Fastify's own request path
 * (`app.inject`): method, path and query, headers and body in; status, headers and body out.
 */
export function fastifyFetcher(
  app: FastifyInstance,
): (input: RequestInfo | URL, init?: RequestInit) => Promise<Response> {
  return async (input, init) => {
    const req = new Request(input, init);
    const headers: Record<string, string> = {};
    req.headers.forEach((v, k) => {
      headers[k] = v;
    });
    const url = new URL(req.url);
    const r = await app.inject({
      method: req.method as 'GET',
      url: url.pathname + url.search,
      headers,
      ...(req.body ? { payload: await req.text() } : {}),
    });
    return new Response(r.statusCode === 204 ? null : r.body, {
      status: r.statusCode,
      headers: r.headers as Record<string, string>,
    });
  };
}
