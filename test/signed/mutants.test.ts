// Mutation tests (docs/mutation.md) for the signed verification core (src/signed/core.ts) and the
// wire protocol (src/signed/protocol.ts): each test pins an exact reason, value or boundary that a
// mutant of one branch changes. They call the functions directly, so they are fast and say exactly
// which branch broke.
import { describe, expect, it } from 'vitest';
import { toBase64 } from '../../src/internal/base64.js';
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
