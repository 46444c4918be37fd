// Mutation tests (docs/mutation.md) for the signed verification core (src/signed/core.ts) and the
// wire protocol (src/signed/protocol.ts): each test pins an exact reason, value or boundary that a
// mutant of one branch changes. They call the functions directly, so they are fast and say exactly
// which branch broke.
import { describe, expect, it } from 'vitest';
import { toBase64 } from '../../src/internal/base64.js';
import {
  createRequestVerifier,
  createSignedServer,
  type IncomingSigned,
  isSignableReplyHeader,
  optionsFromEnv,
  type SignedServerOptions,
  type VerifyResult,
} from '../../src/signed/core.js';
import { SignedRequestError, SignedServerFault } from '../../src/signed/errors.js';
import {
  generateSecretKey,
  getPublicKey,
  SecureFetch,
  type SecureRequestInit,
} from '../../src/signed/index.js';
import {
  canonicalTarget,
  componentValue,
  contentDigest,
  digestMatches,
  type MessageView,
  type ParsedSignature,
  REQUEST_COMPONENTS,
  RESPONSE_COMPONENTS,
  readSignature,
  signatureBase,
  signatureBaseParts,
  signatureHeaders,
  signatureParams,
  TAG,
  timely,
} from '../../src/signed/protocol.js';
import { type BareItem, type InnerList, type Item, Token } from '../../src/signed/sf.js';

const item = (value: BareItem, params: Array<[string, BareItem]> = []): Item => ({
  value,
  params: new Map(params),
});

function view(init: {
  method?: string;
  url?: string;
  status?: number;
  headers?: Record<string, string>;
}): MessageView {
  const h = new Map(Object.entries(init.headers ?? {}));
  return {
    ...(init.method !== undefined ? { method: init.method } : {}),
    ...(init.url !== undefined ? { url: new URL(init.url) } : {}),
    ...(init.status !== undefined ? { status: init.status } : {}),
    header: (n) => h.get(n),
  };
}

const req = view({
  method: 'POST',
  url: 'https://api.example.test:8443/notes/a?id=1',
  headers: { 'x-a': '  padded value\t', 'x-d': 'a=1, b=(x y);p, c=?1', 'content-digest': 'sha-256=:AA==:' },
});
const res = view({ status: 201, headers: { 'x-r': 'reply' } });

describe('protocol: componentValue', () => {
  it('derived components of a request, each exactly', () => {
    expect(componentValue(item('@method'), req)).toBe('POST');
    expect(componentValue(item('@target-uri'), req)).toBe('https://api.example.test:8443/notes/a?id=1');
    expect(componentValue(item('@authority'), req)).toBe('api.example.test:8443');
    expect(componentValue(item('@scheme'), req)).toBe('https');
    expect(componentValue(item('@path'), req)).toBe('/notes/a');
    expect(componentValue(item('@query'), req)).toBe('?id=1');
    expect(componentValue(item('@request-target'), req)).toBe('/notes/a?id=1');
    expect(componentValue(item('@unknown'), req)).toBeNull();
  });

  it('@path of an empty path is "/", @query of no query is "?"', () => {
    const bare = view({ method: 'GET', url: 'web+x:' });
    expect(componentValue(item('@path'), bare)).toBe('/');
    const noQuery = view({ method: 'GET', url: 'https://a.test/x' });
    expect(componentValue(item('@query'), noQuery)).toBe('?');
    expect(componentValue(item('@request-target'), noQuery)).toBe('/x');
  });

  it('a derived component needs a URL and a method', () => {
    expect(componentValue(item('@method'), view({ url: 'https://a.test/' }))).toBeNull();
    expect(componentValue(item('@authority'), view({ method: 'GET' }))).toBeNull();
    expect(componentValue(item('@target-uri'), view({ method: '', url: 'https://a.test/' }))).toBe(
      'https://a.test/',
    );
  });

  it('@status: the response status, never with req, never without a status', () => {
    expect(componentValue(item('@status'), res)).toBe('201');
    expect(componentValue(item('@status', [['req', true]]), res, req)).toBeNull();
    expect(componentValue(item('@status'), req)).toBeNull();
  });

  it('req reads the request; without a request it is null', () => {
    expect(componentValue(item('@method', [['req', true]]), res, req)).toBe('POST');
    expect(componentValue(item('@method', [['req', true]]), res)).toBeNull();
    expect(componentValue(item('x-a', [['req', true]]), res, req)).toBe('padded value');
    expect(componentValue(item('x-r'), res, req)).toBe('reply');
  });

  it('parameters other than req and key make it underivable; key on a derived component too', () => {
    for (const p of ['sf', 'bs', 'tr', 'name', 'x'])
      expect(componentValue(item('x-a', [[p, true]]), req), p).toBeNull();
    expect(componentValue(item('@method', [['key', 'a']]), req)).toBeNull();
    expect(componentValue(item('@method', [['req', true]]), req, req)).toBe('POST');
  });

  it('a component name that is not a string or not lower case is underivable', () => {
    expect(componentValue(item(new Token('x-a')), req)).toBeNull();
    expect(componentValue(item(1), req)).toBeNull();
    expect(componentValue(item('X-A'), req)).toBeNull();
  });

  it('header fields: trimmed; absent (undefined or null) is null; empty is ""', () => {
    expect(componentValue(item('x-a'), req)).toBe('padded value');
    expect(componentValue(item('x-missing'), req)).toBeNull();
    const nulls: MessageView = { header: () => null };
    expect(componentValue(item('x-a'), nulls)).toBeNull();
    expect(componentValue(item('x-e'), view({ headers: { 'x-e': '' } }))).toBe('');
  });

  it('key: the member of a dictionary field, re-serialized; any other key value is underivable', () => {
    expect(componentValue(item('x-d', [['key', 'a']]), req)).toBe('1');
    expect(componentValue(item('x-d', [['key', 'b']]), req)).toBe('(x y);p');
    expect(componentValue(item('x-d', [['key', 'c']]), req)).toBe('?1');
    expect(componentValue(item('x-d', [['key', 'z']]), req)).toBeNull();
    expect(componentValue(item('x-d', [['key', true]]), req)).toBeNull();
    expect(componentValue(item('x-d', [['key', 1]]), req)).toBeNull();
    expect(componentValue(item('x-a', [['key', 'a']]), req)).toBeNull();
  });
});

describe('protocol: signature base', () => {
  const list = (items: Item[], params: Array<[string, BareItem]> = [['created', 1]]): InnerList => ({
    items,
    params: new Map(params),
  });

  it('is the components, one per line, then @signature-params', () => {
    const parts = signatureBaseParts(list([item('@method'), item('x-a')]), req)!;
    expect(parts.params).toBe('("@method" "x-a");created=1');
    expect(new TextDecoder().decode(parts.base)).toBe(
      '"@method": POST\n"x-a": padded value\n"@signature-params": ("@method" "x-a");created=1',
    );
    expect(signatureBase(list([item('@method'), item('x-a')]), req)).toEqual(parts.base);
    expect(new TextDecoder().decode(signatureBase(list([]), req)!)).toBe('"@signature-params": ();created=1');
  });

  it('a duplicate component, an underivable one, or a value with CR or LF: null', () => {
    expect(signatureBaseParts(list([item('@method'), item('@method')]), req)).toBeNull();
    expect(signatureBase(list([item('@method'), item('@method')]), req)).toBeNull();
    expect(signatureBaseParts(list([item('x-missing')]), req)).toBeNull();
    expect(signatureBaseParts(list([item('x-cr')]), view({ headers: { 'x-cr': 'a\rb' } }))).toBeNull();
    expect(signatureBaseParts(list([item('x-lf')]), view({ headers: { 'x-lf': 'a\nb' } }))).toBeNull();
    // The same name with different parameters is a different component.
    expect(
      signatureBaseParts(list([item('@method'), item('@method', [['req', true]])]), req, req),
    ).not.toBeNull();
  });
});

describe('protocol: Content-Digest', () => {
  const body = new TextEncoder().encode('hello');
  it('sha-256 of the bytes, RFC 8941 byte sequence', () => {
    expect(contentDigest(new Uint8Array(0))).toBe('sha-256=:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=:');
    expect(contentDigest(body, () => new Uint8Array([1, 2, 3]))).toBe('sha-256=:AQID:');
  });
  it('matches only a sha-256 byte-sequence member equal to the hash', () => {
    const good = contentDigest(body);
    expect(digestMatches(good, body)).toBe(true);
    expect(digestMatches(`sha-512=:AA==:, ${good}`, body)).toBe(true);
    expect(digestMatches(good, new TextEncoder().encode('hellO'))).toBe(false);
    expect(digestMatches('', body)).toBe(false);
    expect(digestMatches(null, body)).toBe(false);
    expect(digestMatches(undefined, body)).toBe(false);
    expect(digestMatches('sha-256=:not base64:', body)).toBe(false);
    expect(digestMatches('sha-512=:AA==:', body)).toBe(false);
    expect(digestMatches(`sha-256=(${good.slice(8)})`, body)).toBe(false);
    expect(digestMatches('sha-256="x"', body)).toBe(false);
    expect(digestMatches('sha-256=:AQID:', body, () => new Uint8Array([1, 2, 3]))).toBe(true);
  });
});

describe('protocol: canonicalTarget', () => {
  const o = 'https://a.test';
  it('accepts the canonical spelling, query included', () => {
    expect(canonicalTarget(o, '/')?.href).toBe('https://a.test/');
    expect(canonicalTarget(o, '/a/b?x=%2e%2F&y=..')?.href).toBe('https://a.test/a/b?x=%2e%2F&y=..');
    expect(canonicalTarget(o, '/a/.b/..c/...')?.pathname).toBe('/a/.b/..c/...');
  });
  it('refuses a non-string, empty, relative or over-long target (8192 characters is the limit)', () => {
    expect(canonicalTarget(o, 1 as unknown as string)).toBeNull();
    expect(canonicalTarget(o, '')).toBeNull();
    expect(canonicalTarget(o, 'a')).toBeNull();
    expect(canonicalTarget(o, '*')).toBeNull();
    expect(canonicalTarget(o, `/${'a'.repeat(8191)}`)?.pathname).toHaveLength(8192);
    expect(canonicalTarget(o, `/${'a'.repeat(8192)}`)).toBeNull();
  });
  it('refuses a backslash anywhere, encoded separators or dots in the path, dot segments', () => {
    expect(canonicalTarget(o, '/a?b\\c')).toBeNull();
    for (const t of [
      '/%2e',
      '/%2E',
      '/a%2fb',
      '/a%2Fb',
      '/a%5cb',
      '/a%5Cb',
      '/.',
      '/..',
      '/./a',
      '/a/../b',
      '/a/.',
    ])
      expect(canonicalTarget(o, t), t).toBeNull();
  });
  it('refuses what the URL parser would rewrite, and another origin', () => {
    expect(canonicalTarget(o, '/a b')).toBeNull();
    // A fragment is never part of a request target (RFC 9112 §3.2); routers drop it, so '/admin#x'
    // would be signed as one string and routed as '/admin'. SecureFetch strips it before signing.
    expect(canonicalTarget(o, '/admin#x')).toBeNull();
    expect(canonicalTarget(o, '/admin?a=1#x')).toBeNull();
    expect(canonicalTarget(o, '/admin#')).toBeNull();
    expect(canonicalTarget(o, '/é')).toBeNull();
    expect(canonicalTarget('not a url', '/a')).toBeNull();
    expect(canonicalTarget('https://a.test/', '/a')).toBeNull();
    expect(canonicalTarget('HTTPS://A.TEST', '/a')).toBeNull();
  });
});

describe('protocol: readSignature', () => {
  const sig = `sig=:${toBase64(new Uint8Array(64))}:`;
  const input = (params: string, items = REQUEST_COMPONENTS.map((c) => `"${String(c.value)}"`).join(' ')) =>
    `sig=(${items})${params}`;
  const base = `;created=1700000000;nonce="AAAAAAAAAAAAAAAAAAAAAA";keyid="k";alg="ed25519";tag="${TAG}"`;
  // null: the header is absent.
  const read = (i: string | null, s: string | null = sig, needNonce = true) =>
    readSignature(
      view({
        headers: {
          ...(i !== null ? { 'signature-input': i } : {}),
          ...(s !== null ? { signature: s } : {}),
        },
      }),
      REQUEST_COMPONENTS,
      needNonce,
    );

  it('a valid one: every field', () => {
    const p = read(input(`${base};expires=1700000060`)) as ParsedSignature;
    expect(p).toMatchObject({
      created: 1700000000,
      keyid: 'k',
      alg: 'ed25519',
      nonce: 'AAAAAAAAAAAAAAAAAAAAAA',
      expires: 1700000060,
    });
    expect(p.signature).toEqual(new Uint8Array(64));
    expect(p.list.items).toHaveLength(5);
    const n = read(
      input(';created=1;keyid="k";alg="a";tag="sealed-session-v1"'),
      sig,
      false,
    ) as ParsedSignature;
    expect(n.nonce).toBeUndefined();
    expect(n.expires).toBeUndefined();
  });

  it('unsigned only when both headers are absent; one of them alone is malformed', () => {
    expect(read(null, null)).toBe('unsigned');
    expect(read(input(base), null)).toBe('malformed');
    expect(read(null, sig)).toBe('malformed');
    expect(read('', '')).toBe('unsigned');
    expect(read(input(base), '')).toBe('malformed');
  });

  it('each header may be 4096 characters, not one more', () => {
    const pad = (s: string, n: number) => `${s}, x="${'a'.repeat(n - s.length - 6)}"`;
    expect(typeof read(pad(input(base), 4096))).toBe('object');
    expect(read(pad(input(base), 4097))).toBe('malformed');
    expect(typeof read(input(base), pad(sig, 4096))).toBe('object');
    expect(read(input(base), pad(sig, 4097))).toBe('malformed');
  });

  it('the sig members must parse: an inner list and a byte sequence', () => {
    expect(read('sig=(', sig)).toBe('malformed');
    expect(read(input(base), 'sig=(')).toBe('malformed');
    expect(read(input(base).replace('sig=', 'other='))).toBe('malformed');
    expect(read(input(base), sig.replace('sig=', 'other='))).toBe('malformed');
    expect(read('sig="x"')).toBe('malformed');
    expect(read(input(base), 'sig=(:AA==:)')).toBe('malformed');
    expect(read(input(base), 'sig="AA=="')).toBe('malformed');
  });

  it('another tag is not ours (components); created, keyid, alg, nonce and expires are typed', () => {
    expect(read(input(base.replace(TAG, 'other')))).toBe('components');
    expect(read(input(base.replace(`;tag="${TAG}"`, '')))).toBe('components');
    expect(read(input(base.replace('created=1700000000', 'created="1"')))).toBe('malformed');
    expect(read(input(base.replace('created=1700000000', 'created=1.5')))).toBe('malformed');
    expect(read(input(base.replace(';created=1700000000', '')))).toBe('malformed');
    expect(read(input(base.replace('keyid="k"', 'keyid=1')))).toBe('malformed');
    expect(read(input(base.replace('alg="ed25519"', 'alg=ed25519')))).toBe('malformed');
    expect(read(input(base.replace(';keyid="k"', '')))).toBe('malformed');
    expect(read(input(base.replace(';alg="ed25519"', '')))).toBe('malformed');
    expect(read(input(`${base};expires="1"`))).toBe('malformed');
    expect(read(input(`${base};expires=1.5`))).toBe('malformed');
  });

  it('a nonce is 16 to 64 base64url characters; a missing one is refused only when needed', () => {
    const withNonce = (n: string) => read(input(base.replace('"AAAAAAAAAAAAAAAAAAAAAA"', n)));
    expect(typeof withNonce(`"${'A'.repeat(16)}"`)).toBe('object');
    expect(typeof withNonce(`"${'_-'.repeat(32)}"`)).toBe('object');
    expect(withNonce(`"${'A'.repeat(15)}"`)).toBe('malformed');
    expect(withNonce(`"${'A'.repeat(65)}"`)).toBe('malformed');
    expect(withNonce(`"${'A'.repeat(20)}+"`)).toBe('malformed');
    expect(withNonce('tok')).toBe('malformed');
    const none = base.replace(';nonce="AAAAAAAAAAAAAAAAAAAAAA"', '');
    expect(read(input(none))).toBe('components');
    expect(typeof read(input(none), sig, false)).toBe('object');
  });

  it('every required component must be covered; more are allowed', () => {
    expect(read(input(base, '"@method" "@target-uri" "@authority" "content-digest"'))).toBe('components');
    expect(read(input(base, '"@method" "@target-uri" "@authority" "content-digest" "sealed-key";req'))).toBe(
      'components',
    );
    expect(
      typeof read(
        input(base, '"x-extra" "@method" "@target-uri" "@authority" "content-digest" "sealed-key"'),
      ),
    ).toBe('object');
  });

  it('a required list that is not frozen is read afresh every time (no stale cache)', () => {
    const required: Item[] = [item('@method')];
    const v = view({ headers: { 'signature-input': input(base, '"@method"'), signature: sig } });
    expect(typeof readSignature(v, required, true)).toBe('object');
    required.push(item('@authority'));
    expect(readSignature(v, required, true)).toBe('components');
    // The frozen profile lists give the same answers on every call.
    expect(
      typeof readSignature(
        view({ headers: { 'signature-input': input(base), signature: sig } }),
        REQUEST_COMPONENTS,
        true,
      ),
    ).toBe('object');
    expect(readSignature(v, REQUEST_COMPONENTS, true)).toBe('components');
    expect(readSignature(v, RESPONSE_COMPONENTS, true)).toBe('components');
  });
});

describe('protocol: building a signature', () => {
  it('signatureParams: created, nonce, keyid, alg, tag, in that order; components copied', () => {
    const comps = [item('@method', [['req', true]])];
    const list = signatureParams(comps, 5, 'kid', 'ed25519', 'N'.repeat(22));
    expect([...list.params]).toEqual([
      ['created', 5],
      ['nonce', 'N'.repeat(22)],
      ['keyid', 'kid'],
      ['alg', 'ed25519'],
      ['tag', TAG],
    ]);
    expect(list.items).toEqual(comps);
    expect(list.items[0]).not.toBe(comps[0]);
    expect(list.items[0]!.params).not.toBe(comps[0]!.params);
    expect([...signatureParams([], 5, 'kid', 'a').params.keys()]).toEqual(['created', 'keyid', 'alg', 'tag']);
  });

  it('signatureHeaders: sig=<list> and sig=:<base64>:', () => {
    const list = signatureParams([item('@status')], 7, 'k', 'a');
    expect(signatureHeaders(list, new Uint8Array([1, 2, 3]))).toEqual({
      input: `sig=("@status");created=7;keyid="k";alg="a";tag="${TAG}"`,
      signature: 'sig=:AQID:',
    });
    expect(signatureHeaders(list, new Uint8Array([255]), '("x")').input).toBe('sig=("x")');
  });
});

describe('protocol: timely', () => {
  const at = (created: number, expires?: number) =>
    ({ created, ...(expires !== undefined ? { expires } : { expires: undefined }) }) as ParsedSignature;
  it('created within ±skew inclusive; expires not before now − skew', () => {
    expect(timely(at(130), 100, 30)).toBe(true);
    expect(timely(at(131), 100, 30)).toBe(false);
    expect(timely(at(70), 100, 30)).toBe(true);
    expect(timely(at(69), 100, 30)).toBe(false);
    expect(timely(at(100, 70), 100, 30)).toBe(true);
    expect(timely(at(100, 69), 100, 30)).toBe(false);
    expect(timely(at(100, 0), 100, 100)).toBe(true);
  });
});

// ---------------------------------------------------------------------------------------------
// The verification core (src/signed/core.ts)

const ORIGIN = 'https://api.example.test';

/** A request SecureFetch signs, captured before it reaches any server. */
async function signed(
  serverKey: string,
  path: string,
  init: SecureRequestInit = {},
  clientKey: string = generateSecretKey('ed25519'),
  origin = ORIGIN,
): Promise<{ incoming: IncomingSigned; headers: Headers; created: number; clientKey: string }> {
  let out: { incoming: IncomingSigned; headers: Headers; created: number; clientKey: string } | null = null;
  const f = SecureFetch(await getPublicKey(serverKey), clientKey, {
    hostname: origin,
    fetcher: async (input, i) => {
      const r = new Request(input, i);
      const body = r.body ? await r.text() : null;
      const url = new URL(r.url);
      const headers = new Headers(r.headers);
      out = {
        incoming: { method: r.method, path: url.pathname + url.search, header: (n) => headers.get(n), body },
        headers,
        created: Number(/;created=(\d+)/.exec(headers.get('signature-input')!)![1]),
        clientKey,
      };
      throw new Error('captured');
    },
  });
  await f(path, init).catch(() => {});
  return out!;
}

/** The same request with some headers replaced (null removes one) or another body. */
function changed(
  s: { incoming: IncomingSigned; headers: Headers },
  headers: Record<string, string | null>,
  extra: Partial<IncomingSigned> = {},
): IncomingSigned {
  const h = new Headers(s.headers);
  for (const [k, v] of Object.entries(headers)) v === null ? h.delete(k) : h.set(k, v);
  return { ...s.incoming, header: (n) => h.get(n), ...extra };
}

const reasonOf = (r: VerifyResult): string => (r.ok ? 'ok' : r.error.reason);

describe('core: options are checked once, with exact messages', () => {
  const key = generateSecretKey('ed25519');
  const make = (o: Record<string, unknown>) => () =>
    createSignedServer({ key, origin: ORIGIN, ...o } as unknown as SignedServerOptions);

  it('options and keys', () => {
    expect(() => createSignedServer(null as never)).toThrow(/^options: expected an object, got /);
    expect(() => createSignedServer('x' as never)).toThrow(/^options: expected an object, got /);
    expect(make({ key: [] })).toThrow(
      /^options\.key: expected a secret key or a non-empty list of them, got /,
    );
    expect(make({ key: 1 })).toThrow(
      /^options\.key: expected a secret key as text or 32 bytes \(the server needs it for key agreement\), got /,
    );
    expect(make({ key: [key, {}] })).toThrow(
      /^options\.key\[1\]: expected a secret key as text or 32 bytes /,
    );
    expect(make({ key: [key, 'nope'] })).toThrow(/options\.key\[1\]/);
    expect(make({ key: 'nope' })).toThrow(/options\.key/);
    expect(make({ key: [key, generateSecretKey('p256')] })).not.toThrow();
    expect(make({ key: new Uint8Array(32).fill(7) })).not.toThrow();
  });

  it('origins', () => {
    expect(make({ origin: 1 })).toThrow(
      /^origin: expected an origin such as https:\/\/api\.example\.com, or a list of them, got /,
    );
    expect(make({ origin: [] })).toThrow(/^origin: expected an origin such as https:\/\/api\.example\.com/);
    expect(make({ origin: 'nope' })).toThrow(/^origin: expected an absolute http\(s\) origin, got /);
    for (const o of [
      'ftp://a.test',
      'https://a.test/x',
      'https://a.test/?q',
      'https://a.test?q',
      'ws://a.test',
    ])
      expect(make({ origin: o }), o).toThrow(
        /^origin: expected an http\(s\) origin without path or query, got /,
      );
    for (const o of [
      'https://a.test/',
      'http://a.test:8080',
      ' https://a.test ',
      'https://a.test,https://b.test',
      ['https://a.test'],
    ])
      expect(make({ origin: o }), String(o)).not.toThrow();
  });

  it('maxSkew in (0, 3600], maxBodySize a byte count, replayCache, replySignature', () => {
    for (const s of [0, -1, 3600.5, 3601, Number.NaN])
      expect(make({ maxSkew: s }), String(s)).toThrow(
        new RangeError(`options.maxSkew: expected a number of seconds in (0, 3600], got ${s}`),
      );
    expect(make({ maxSkew: '30' })).toThrow(/^options\.maxSkew: expected a number of seconds in \(0, 3600\]/);
    for (const s of [0.001, 1, 3600]) expect(make({ maxSkew: s }), String(s)).not.toThrow();
    for (const m of [-1, 1.5, Number.NaN])
      expect(make({ maxBodySize: m }), String(m)).toThrow(
        new RangeError(`options.maxBodySize: expected a byte count, got ${m}`),
      );
    expect(make({ maxBodySize: 0 })).not.toThrow();
    expect(make({ replayCache: {} })).toThrow(/^options\.replayCache: expected a ReplayCache, got /);
    expect(make({ replayCache: { add: 1 } })).toThrow(/^options\.replayCache: expected a ReplayCache/);
    expect(make({ replayCache: null })).not.toThrow();
    expect(make({ replySignature: 'rsa' })).toThrow(
      /^options\.replySignature: expected 'key' or 'hmac', got /,
    );
    expect(make({ replySignature: 'hmac' })).not.toThrow();
  });

  it('optionsFromEnv names the missing variable', () => {
    const env = process.env;
    const saved = { k: env.CRYPTO_SESSION_KEY, h: env.CRYPTO_SESSION_HOST };
    try {
      delete env.CRYPTO_SESSION_KEY;
      delete env.CRYPTO_SESSION_HOST;
      expect(() => optionsFromEnv()).toThrow(
        /^CRYPTO_SESSION_KEY: expected a server secret key in the environment, got /,
      );
      env.CRYPTO_SESSION_KEY = key;
      expect(() => optionsFromEnv()).toThrow(
        /^CRYPTO_SESSION_HOST: expected the origin clients sign for, in the environment, got /,
      );
      env.CRYPTO_SESSION_HOST = ORIGIN;
      expect(optionsFromEnv()).toEqual({ key, origin: ORIGIN });
    } finally {
      if (saved.k === undefined) delete env.CRYPTO_SESSION_KEY;
      else env.CRYPTO_SESSION_KEY = saved.k;
      if (saved.h === undefined) delete env.CRYPTO_SESSION_HOST;
      else env.CRYPTO_SESSION_HOST = saved.h;
    }
  });
});

describe('core: verify, reason by reason', () => {
  it('a good request: the session, the data, the body and its type', async () => {
    const key = generateSecretKey('ed25519');
    const core = createSignedServer({ key, origin: ORIGIN });
    const s = await signed(key, '/notes?id=1', {
      method: 'POST',
      body: 'hi',
      headers: { 'content-type': 'text/x' },
    });
    const r = await core.verify(s.incoming);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.request.session).toEqual({
      peerKey: await getPublicKey(s.clientKey),
      alg: 'ed25519',
      pubKey: await getPublicKey(key),
      nonce: expect.stringMatching(/^[A-Za-z0-9_-]{22}$/),
      created: s.created,
    });
    expect(Object.isFrozen(r.request.session)).toBe(true);
    expect(r.request.data).toBe('hi');
    expect(new TextDecoder().decode(r.request.body)).toBe('hi');
    expect(r.request.contentType).toBe('text/x');
    // Without a body: no data, an empty body, no type.
    const g = await core.verify((await signed(key, '/x')).incoming);
    expect(g.ok && [g.request.data, g.request.body.length, g.request.contentType]).toEqual([
      undefined,
      0,
      null,
    ]);
  });

  it('size: the body on the wire may be maxBodySize bytes, not one more (default 1 MiB)', async () => {
    const key = generateSecretKey('ed25519');
    const failures: string[] = [];
    const core = createSignedServer({ key, origin: ORIGIN, onFailure: (r) => failures.push(r) });
    const at = (n: number, body: string | Uint8Array = 'a'.repeat(n)) =>
      core.verify({ method: 'POST', path: '/x', header: () => null, body });
    expect(reasonOf(await at(1 << 20))).toBe('unsigned');
    expect(reasonOf(await at((1 << 20) + 1))).toBe('size');
    expect(reasonOf(await at(0, new Uint8Array((1 << 20) + 1)))).toBe('size');
    expect(failures).toEqual(['unsigned', 'size', 'size']);
    const zero = createSignedServer({ key, origin: ORIGIN, maxBodySize: 0 });
    expect(reasonOf(await zero.verify({ method: 'POST', path: '/x', header: () => null, body: 'a' }))).toBe(
      'size',
    );
    expect(reasonOf(await zero.verify({ method: 'POST', path: '/x', header: () => null, body: '' }))).toBe(
      'unsigned',
    );
    expect(
      reasonOf(
        await zero.verify({ method: 'POST', path: '/x', header: () => null, body: {} as unknown as string }),
      ),
    ).toBe('unsigned');
  });

  it('target, then the signature fields, then time', async () => {
    const key = generateSecretKey('ed25519');
    const s = await signed(key, '/x');
    const core = (o: Partial<SignedServerOptions> = {}) => createSignedServer({ key, origin: ORIGIN, ...o });
    expect(reasonOf(await core().verify({ ...s.incoming, path: '/x/../x' }))).toBe('target');
    expect(reasonOf(await core().verify(changed(s, { signature: null })))).toBe('malformed');
    expect(reasonOf(await core().verify(changed(s, { signature: null, 'signature-input': null })))).toBe(
      'unsigned',
    );
    // created within maxSkew (default 30 s) of the server clock, both ways, inclusive.
    const clock = (sec: number) => ({ now: () => sec * 1000 + 999 });
    expect(reasonOf(await core(clock(s.created + 30)).verify(s.incoming))).toBe('ok');
    expect(reasonOf(await core(clock(s.created + 31)).verify(s.incoming))).toBe('time');
    expect(reasonOf(await core(clock(s.created - 31)).verify(s.incoming))).toBe('time');
    expect(reasonOf(await core({ ...clock(s.created + 31), maxSkew: 31 }).verify(s.incoming))).toBe('ok');
  });

  it('key: an unknown key id, or an alg that is not the key type; digest; Sealed-Key', async () => {
    const key = generateSecretKey('ed25519');
    const core = createSignedServer({ key, origin: ORIGIN });
    const s = await signed(key, '/x', { method: 'POST', body: 'b' });
    const input = s.headers.get('signature-input')!;
    expect(
      reasonOf(
        await core.verify(changed(s, { 'signature-input': input.replace(/keyid="[^"]+"/, 'keyid="nope"') })),
      ),
    ).toBe('key');
    // Twice: a key id that is not a key is remembered as such.
    expect(
      reasonOf(
        await core.verify(changed(s, { 'signature-input': input.replace(/keyid="[^"]+"/, 'keyid="nope"') })),
      ),
    ).toBe('key');
    expect(
      reasonOf(
        await core.verify(
          changed(s, { 'signature-input': input.replace('alg="ed25519"', 'alg="ecdsa-p256-sha256"') }),
        ),
      ),
    ).toBe('key');
    expect(
      reasonOf(await core.verify(changed(s, { 'content-digest': contentDigest(new Uint8Array(1)) }))),
    ).toBe('digest');
    expect(reasonOf(await core.verify(changed(s, { 'content-digest': null })))).toBe('digest');
    const sk = s.headers.get('sealed-key')!;
    expect(reasonOf(await core.verify(changed(s, { 'sealed-key': null })))).toBe('malformed');
    expect(reasonOf(await core.verify(changed(s, { 'sealed-key': `(${sk})` })))).toBe('malformed');
    expect(reasonOf(await core.verify(changed(s, { 'sealed-key': '"text"' })))).toBe('malformed');
    expect(
      reasonOf(await core.verify(changed(s, { 'sealed-key': sk.replace(/;kid="[^"]+"/, ';kid="other"') }))),
    ).toBe('key');
    expect(
      reasonOf(await core.verify(changed(s, { 'sealed-key': sk.replace(/;kid="[^"]+"/, ';kid=1') }))),
    ).toBe('key');
    // Without kid the first key is used; the header is signed, so the signature fails.
    expect(reasonOf(await core.verify(changed(s, { 'sealed-key': sk.replace(/;kid="[^"]+"/, '') })))).toBe(
      'signature',
    );
    expect(reasonOf(await core.verify(s.incoming))).toBe('ok');
  });

  it('components: a covered field that is absent; signature: another signature', async () => {
    const key = generateSecretKey('ed25519');
    const core = createSignedServer({ key, origin: ORIGIN });
    const s = await signed(key, '/x');
    const input = s.headers.get('signature-input')!;
    expect(
      reasonOf(
        await core.verify(changed(s, { 'signature-input': input.replace('sig=(', 'sig=("x-absent" ') })),
      ),
    ).toBe('components');
    expect(
      reasonOf(await core.verify(changed(s, { signature: `sig=:${toBase64(new Uint8Array(64))}:` }))),
    ).toBe('signature');
  });

  it('the Host header picks among several origins, in any case; else the first', async () => {
    const key = generateSecretKey('ed25519');
    const core = createSignedServer({ key, origin: ['https://a.test', 'https://b.test'] });
    const b = await signed(key, '/x', {}, undefined, 'https://b.test');
    expect(reasonOf(await core.verify(changed(b, { host: 'B.TEST' })))).toBe('ok');
    const b2 = await signed(key, '/x', {}, undefined, 'https://b.test');
    expect(reasonOf(await core.verify(changed(b2, { host: null })))).toBe('signature');
    const a = await signed(key, '/x', {}, undefined, 'https://a.test');
    expect(reasonOf(await core.verify(changed(a, { host: 'c.test' })))).toBe('ok');
  });

  it('authorize: false (or falsy) is a key refusal; a throw is a server fault with its cause', async () => {
    const key = generateSecretKey('ed25519');
    const failures: Array<[string, unknown]> = [];
    const seen: unknown[] = [];
    const run = async (authorize: SignedServerOptions['authorize']) =>
      createSignedServer({
        key,
        origin: ORIGIN,
        authorize,
        onFailure: (r, c) => failures.push([r, c]),
      }).verify((await signed(key, '/x')).incoming);
    expect(reasonOf(await run(() => false))).toBe('key');
    expect(reasonOf(await run(() => 0 as unknown as boolean))).toBe('key');
    expect(reasonOf(await run(async () => true))).toBe('ok');
    expect(
      reasonOf(
        await run((p) => {
          seen.push(p);
          return 1 as unknown as boolean;
        }),
      ),
    ).toBe('ok');
    expect(seen[0]).toMatchObject({ alg: 'ed25519', pubKey: await getPublicKey(key) });
    const boom = new Error('db down');
    const r = await run(() => {
      throw boom;
    });
    expect(r.ok).toBe(false);
    expect(!r.ok && r.error).toBeInstanceOf(SignedServerFault);
    expect(!r.ok && [r.error.reason, (r.error as Error).cause]).toEqual(['authorize', boom]);
    expect(failures).toEqual([
      ['key', undefined],
      ['key', undefined],
      ['authorize', boom],
    ]);
  });

  it('the replay store: called after the signature with (key id + nonce, deadline, key id); only true is fresh', async () => {
    const key = generateSecretKey('ed25519');
    const calls: unknown[][] = [];
    let answer: unknown = true;
    const replayCache = {
      add: (...a: unknown[]) => {
        calls.push(a);
        if (answer instanceof Error) throw answer;
        return answer as boolean;
      },
    };
    const core = createSignedServer({ key, origin: ORIGIN, replayCache, maxSkew: 20 });
    const s = await signed(key, '/x');
    expect(
      reasonOf(await core.verify(changed(s, { signature: `sig=:${toBase64(new Uint8Array(64))}:` }))),
    ).toBe('signature');
    expect(calls).toEqual([]);
    const r = await core.verify(s.incoming);
    const peer = await getPublicKey(s.clientKey);
    if (!r.ok) throw r.error;
    expect(calls).toEqual([[`${peer} ${r.request.session.nonce}`, (s.created + 21) * 1000, peer]]);
    answer = 1;
    expect(reasonOf(await core.verify(s.incoming))).toBe('replay');
    answer = false;
    expect(reasonOf(await core.verify(s.incoming))).toBe('replay');
    const boom = new Error('redis down');
    answer = boom;
    const f = await core.verify(s.incoming);
    expect(!f.ok && [f.error.constructor, f.error.reason, (f.error as Error).cause]).toEqual([
      SignedServerFault,
      'store',
      boom,
    ]);
    // The default store refuses the same request twice.
    const mem = createSignedServer({ key, origin: ORIGIN });
    expect(reasonOf(await mem.verify(s.incoming))).toBe('ok');
    expect(reasonOf(await mem.verify(s.incoming))).toBe('replay');
  });

  it('anything unexpected fails closed as malformed', async () => {
    const key = generateSecretKey('ed25519');
    const failures: string[] = [];
    const core = createSignedServer({ key, origin: ORIGIN, onFailure: (r) => failures.push(r) });
    const r = await core.verify({
      method: 'GET',
      path: '/x',
      header: () => {
        throw new Error('hostile');
      },
      body: null,
    });
    expect(!r.ok && [r.error.constructor, r.error.reason]).toEqual([SignedRequestError, 'malformed']);
    expect(failures).toEqual(['malformed']);
  });

  it('a key list: the request names the key it is encrypted to; the reply is signed with it', async () => {
    const [k1, k2] = [generateSecretKey('ed25519'), generateSecretKey('p256')];
    const core = createSignedServer({ key: [k1, k2], origin: ORIGIN });
    expect(await core.publicKey).toBe(await getPublicKey(k1));
    const r = await core.verify((await signed(k2, '/x')).incoming);
    expect(r.ok && r.request.session.pubKey).toBe(await getPublicKey(k2));
    expect(await createSignedServer({ key: k1, origin: ORIGIN, native: false }).backend).toBe('webcrypto');
  });
});

describe('core: seal, the reply', () => {
  async function verified(o: Partial<SignedServerOptions> = {}, init: SecureRequestInit = {}) {
    const key = generateSecretKey('ed25519');
    const core = createSignedServer({ key, origin: ORIGIN, ...o });
    const s = await signed(key, '/x', init);
    const r = await core.verify(s.incoming);
    if (!r.ok) throw r.error;
    return { key, request: r.request, s };
  }

  it('status 200..599 only', async () => {
    const { request } = await verified();
    for (const st of [199, 600, 1.5, Number.NaN])
      await expect(request.seal(st, 'x'), String(st)).rejects.toThrow(
        new RangeError(`status: expected an HTTP status in 200..599, got ${st}`),
      );
    expect((await request.seal(200, 'x')).status).toBe(200);
    expect((await request.seal(599, 'x')).status).toBe(599);
  });

  it('headers: digest, signature, no-store; a content type only with a body; no body for HEAD, 204, 304', async () => {
    let fixed: number | null = null;
    const { request } = await verified({ now: () => fixed ?? Date.now() });
    // The reply's created is the server clock at sealing, in whole seconds.
    fixed = 1_700_000_000_999;
    const full = await request.seal(200, 'x');
    expect(Object.keys(full.headers).sort()).toEqual(
      ['cache-control', 'content-digest', 'content-type', 'signature', 'signature-input'].sort(),
    );
    expect(full.headers['cache-control']).toBe('no-store');
    expect(full.headers['content-type']).toBe('application/sealed-session');
    expect(full.headers['content-digest']).toBe(contentDigest(new TextEncoder().encode(full.body)));
    expect(full.body).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(full.headers['signature-input']).toMatch(
      /^sig=\("@status" "content-digest" "@method";req "@target-uri";req "signature";req;key="sig"\);created=1700000000;keyid="ed25519:[0-9a-f]{64}";alg="ed25519";tag="sealed-session-v1"$/,
    );
    for (const st of [204, 304]) {
      const e = await request.seal(st, 'x');
      expect([e.body, e.headers['content-type'], e.headers['content-digest']]).toEqual([
        '',
        undefined,
        contentDigest(new Uint8Array(0)),
      ]);
    }
    expect((await request.seal(205, 'x')).body).not.toBe('');
    expect((await request.seal(200, null)).body).toBe('');
    expect((await request.seal(200, '')).body).toBe('');
    expect((await request.seal(200, new Uint8Array(0))).body).toBe('');
    const head = await verified({}, { method: 'HEAD' });
    expect((await head.request.seal(200, 'x')).body).toBe('');
  });

  it('signed reply headers: checked, trimmed, covered; framing and cookies refused', async () => {
    const { request } = await verified();
    const r = await request.seal(200, 'x', undefined, { 'X-Request-Id': ' 42 ', etag: '"v1"' });
    expect(r.headers['x-request-id']).toBe('42');
    expect(r.headers.etag).toBe('"v1"');
    expect(r.headers['signature-input']).toContain('"signature";req;key="sig" "x-request-id" "etag");');
    for (const name of [
      'set-cookie',
      'content-type',
      'signature',
      'sealed-key',
      'cache-control',
      'bad name',
      'a'.repeat(65),
    ])
      await expect(request.seal(200, 'x', undefined, { [name]: 'v' }), name).rejects.toThrow(
        `headers[${JSON.stringify(name)}]: expected a header name that can be signed, got `,
      );
    for (const v of ['a\rb', 'a\nb', 'a\0b', 1])
      await expect(request.seal(200, 'x', undefined, { 'x-a': v as string })).rejects.toThrow(
        'headers["x-a"]: expected a one-line string value, got ',
      );
    await expect(request.seal(200, 'x', undefined, 'x' as never)).rejects.toThrow(
      /^headers: expected an object, got /,
    );
    expect(isSignableReplyHeader('X-Request-Id')).toBe(true);
    expect(isSignableReplyHeader('a'.repeat(64))).toBe(true);
    for (const n of [
      'Content-Length',
      'Set-Cookie',
      'TE',
      'Trailer',
      'Upgrade',
      'Keep-Alive',
      'Connection',
      'Transfer-Encoding',
      'Sealed-Key',
      'Signature-Input',
      '',
    ])
      expect(isSignableReplyHeader(n), n).toBe(false);
    expect(isSignableReplyHeader('set-cookies')).toBe(true);
    expect(isSignableReplyHeader('tea')).toBe(true);
  });

  it('the reply verifies with SecureFetch, in both signature modes, with its content type', async () => {
    for (const replySignature of ['key', 'hmac'] as const) {
      const key = generateSecretKey('ed25519');
      const core = createSignedServer({ key, origin: ORIGIN, replySignature });
      const f = SecureFetch(await getPublicKey(key), generateSecretKey('ed25519'), {
        hostname: ORIGIN,
        fetcher: async (input, i) => {
          const req = new Request(input, i);
          const url = new URL(req.url);
          const r = await core.verify({
            method: req.method,
            path: url.pathname + url.search,
            header: (n) => req.headers.get(n),
            body: req.body ? await req.text() : null,
          });
          if (!r.ok) return new Response('no', { status: 401 });
          const p = url.pathname;
          const sealed =
            p === '/text'
              ? await r.request.seal(201, 'héllo')
              : p === '/bytes'
                ? await r.request.seal(200, new Uint8Array([1, 2]))
                : await r.request.seal(200, '{"a":1}', 'application/json', { 'x-id': '7' });
          return new Response(sealed.body || null, { status: sealed.status, headers: sealed.headers });
        },
      });
      const t = await f('/text');
      expect([t.status, t.data, t.headers.get('content-type')]).toEqual([
        201,
        'héllo',
        'text/plain;charset=utf-8',
      ]);
      const b = await f('/bytes');
      expect([b.data, b.headers.get('content-type')]).toEqual([
        new Uint8Array([1, 2]),
        'application/octet-stream',
      ]);
      const j = await f('/json');
      expect([j.data, j.headers.get('x-id')]).toEqual([{ a: 1 }, '7']);
      expect(j.headers.get('signature-input')).toBeNull();
    }
  });
});

describe('core: createRequestVerifier', () => {
  it('true for a good request; false for each kind of failure; never throws', async () => {
    const key = generateSecretKey('p256');
    const check = createRequestVerifier(ORIGIN);
    const s = await signed(key, '/x', { method: 'POST', body: 'b' });
    expect(await check(s.incoming)).toBe(true);
    // No replay check: the same request verifies again.
    expect(await check(s.incoming)).toBe(true);
    const input = s.headers.get('signature-input')!;
    expect(await check({ ...s.incoming, path: '/x/./y' })).toBe(false);
    expect(await check(changed(s, { signature: null }))).toBe(false);
    expect(
      await check(changed(s, { 'signature-input': input.replace(/keyid="[^"]+"/, 'keyid="nope"') })),
    ).toBe(false);
    expect(
      await check(
        changed(s, { 'signature-input': input.replace('alg="ed25519"', 'alg="ecdsa-p256-sha256"') }),
      ),
    ).toBe(false);
    expect(await check(changed(s, { 'content-digest': contentDigest(new Uint8Array(1)) }))).toBe(false);
    expect(await check(changed(s, { 'signature-input': input.replace('sig=(', 'sig=("x-absent" ') }))).toBe(
      false,
    );
    expect(await check(changed(s, { signature: `sig=:${toBase64(new Uint8Array(64))}:` }))).toBe(false);
    expect(await check({ ...s.incoming, method: 'PUT' })).toBe(false);
    expect(
      await check({
        ...s.incoming,
        header: () => {
          throw new Error('hostile');
        },
      }),
    ).toBe(false);
    const late = createRequestVerifier(ORIGIN, { now: () => (s.created + 31) * 1000 });
    expect(await late(s.incoming)).toBe(false);
    const wide = createRequestVerifier(ORIGIN, {
      now: () => (s.created + 31) * 1000,
      maxSkew: 31,
      native: false,
    });
    expect(await wide(s.incoming)).toBe(true);
    expect(await createRequestVerifier('https://other.test')(s.incoming)).toBe(false);
    expect(() => createRequestVerifier('nope')).toThrow(/^origin: expected an absolute http\(s\) origin/);
  });
});
