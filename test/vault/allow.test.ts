import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compileAllow, matchUrl } from '../../src/vault/allow.js';
import { createVault, VaultError } from '../../src/vault/index.js';
import { tokenFrom, validToken } from '../../src/vault/token.js';

const A = 'https://api.example.com';
const rules = compileAllow(
  [
    { origin: A, pathPrefix: '/api', methods: ['GET', 'POST'] },
    { origin: 'http://127.0.0.1:8080', pathPrefix: '/', methods: ['DELETE'] },
  ],
  'test',
);
const ok = (u: string, m = 'GET') => typeof matchUrl(rules, u, m) !== 'string';

describe('createVault options', () => {
  const allow = [{ origin: A, pathPrefix: '/api', methods: ['GET'] as const }];
  it.each([
    [undefined, 'createVault options: expected an object'],
    [{}, 'options.allow: expected a non-empty array'],
    [{ allow: [] }, 'options.allow: expected a non-empty array'],
    [{ allow: [null] }, 'options.allow[0]: expected an object'],
    [
      { allow: [{ ...allow[0], origin: 'https://api.example.com/' }] },
      'options.allow[0].origin: expected an exact origin',
    ],
    [{ allow: [{ ...allow[0], origin: 'https://API.example.com' }] }, '.origin: expected an exact origin'],
    [
      { allow: [{ ...allow[0], origin: 'https://api.example.com:443' }] },
      '.origin: expected an exact origin',
    ],
    [{ allow: [{ ...allow[0], origin: 'ftp://api.example.com' }] }, '.origin: expected an exact origin'],
    [{ allow: [{ ...allow[0], origin: 'https://u@api.example.com' }] }, '.origin: expected an exact origin'],
    [{ allow: [{ ...allow[0], origin: '*' }] }, '.origin: expected an exact origin'],
    [{ allow: [{ ...allow[0], pathPrefix: 'api' }] }, '.pathPrefix: expected a normalised path'],
    [{ allow: [{ ...allow[0], pathPrefix: '/api/../x' }] }, '.pathPrefix: expected a normalised path'],
    [{ allow: [{ ...allow[0], pathPrefix: '//evil/api' }] }, '.pathPrefix: expected a normalised path'],
    [{ allow: [{ ...allow[0], pathPrefix: '/api?x' }] }, '.pathPrefix: expected a normalised path'],
    [{ allow: [{ ...allow[0], pathPrefix: '/api%2fx' }] }, '.pathPrefix: expected a normalised path'],
    [
      { allow: [{ ...allow[0], methods: [] }] },
      '.methods: expected a non-empty array of GET HEAD POST PUT PATCH DELETE',
    ],
    [{ allow: [{ ...allow[0], methods: ['get'] }] }, '.methods: expected'],
    [{ allow: [{ ...allow[0], methods: ['CONNECT'] }] }, '.methods: expected'],
    [{ allow: [{ ...allow[0], methods: 'GET' }] }, '.methods: expected'],
    [{ allow, tokenField: '' }, 'options.tokenField: expected a non-empty string'],
    [{ allow, scheme: 'Bearer x' }, 'options.scheme: expected an auth scheme'],
  ])('refuses %j', (opts, msg) => {
    expect(() => createVault(opts as never)).toThrow(TypeError);
    expect(() => createVault(opts as never)).toThrow(msg);
  });

  it('never echoes the values it refuses', () => {
    const refuse = () =>
      createVault({
        allow: [{ origin: 'https://secret-host.example', pathPrefix: 'secret', methods: ['GET'] }],
      });
    // Asserted on the throw itself, so a vault that stops refusing fails here.
    expect(refuse).toThrow('got a string of 6 characters');
    expect(refuse).toThrow(/^(?!.*secret)/s);
  });

  it('returns a frozen object with the four members and no token accessor', () => {
    const v = createVault({ allow });
    expect(Object.isFrozen(v)).toBe(true);
    expect(Reflect.ownKeys(v).sort()).toEqual(['authenticated', 'fetch', 'login', 'logout']);
    expect(Object.getOwnPropertyDescriptor(v, 'authenticated')!.set).toBeUndefined();
    expect(v.authenticated).toBe(false);
  });

  it('rejects fetch before login and outside the allowlist, without a request', async () => {
    const v = createVault({ allow });
    await expect(v.fetch(`${A}/api/x`)).rejects.toMatchObject({ code: 'ERR_VAULT_NOT_AUTHENTICATED' });
    await expect(v.login('https://evil.example/api/login')).rejects.toBeInstanceOf(VaultError);
    await expect(v.fetch(new Request(`${A}/api/x`) as never)).rejects.toBeInstanceOf(TypeError);
  });
});

describe('matchUrl', () => {
  it('matches per segment, exact origin and method', () => {
    expect(ok(`${A}/api`)).toBe(true);
    expect(ok(`${A}/api/`)).toBe(true);
    expect(ok(`${A}/api/x/y?q=1#f`)).toBe(true);
    expect(ok(`${A}/api/x`, 'POST')).toBe(true);
    expect(ok(`${A}/api/x`, 'DELETE')).toBe(false);
    expect(ok(`${A}/api/x`, 'get')).toBe(false);
    expect(ok('http://127.0.0.1:8080/anything', 'DELETE')).toBe(true);
    expect(ok('http://127.0.0.1:8080/', 'DELETE')).toBe(true);
  });

  it.each([
    `${A}/api-evil`,
    `${A}/apix/y`,
    `${A}/API/x`,
    `${A}/api/../admin`,
    `${A}/api/%2e%2e/admin`,
    `${A}/api/%2E./admin`,
    `${A}/api/..%2Fadmin`,
    `${A}/api/..%5cadmin`,
    `${A}/api/..;/admin`,
    `${A}/api/.;/x`,
    `${A}/api\\..\\admin`,
    'https://api.example.com.evil.test/api/x',
    'https://api.example.com@evil.test/api/x',
    'https://user:pw@api.example.com/api/x',
    'https://evil.test\\@api.example.com/api/x',
    'https://api.example.com./api/x',
    'https://api.example.com:444/api/x',
    'http://api.example.com/api/x',
    'https://api.ex\u0430mple.com/api/x',
    '//evil.test/api/x',
    '/api/x',
    'api/x',
    'javascript:alert(1)',
    'data:,x',
    'not a url',
  ])('refuses %s', (u) => {
    expect(ok(u)).toBe(false);
  });

  it('accepts spellings that the URL parser turns into the allowed URL itself', () => {
    for (const u of [
      `HTTPS://API.EXAMPLE.COM/api/x`,
      'https://api.example.com:443/api/x',
      `${A}/api/./x`,
      `${A}/a/../api/x`,
    ])
      expect(ok(u), u).toBe(true);
  });
});

describe('path prefixes mean what they say (THREATS 46)', () => {
  const compile = (pathPrefix: string) => compileAllow([{ origin: A, pathPrefix, methods: ['GET'] }], 't');
  const hit = (pathPrefix: string, path: string) =>
    typeof matchUrl(compile(pathPrefix), `${A}${path}`, 'GET') !== 'string';

  it('a trailing slash leaves the bare segment outside', () => {
    expect(hit('/api/', '/api')).toBe(false);
    expect(hit('/api/', '/api/')).toBe(true);
    expect(hit('/api/', '/api/x')).toBe(true);
    expect(hit('/api/', '/api-x/')).toBe(false);
    expect(hit('/v1/users/', '/v1/users')).toBe(false);
    expect(hit('/v1/users/', '/v1/users/7')).toBe(true);
  });

  it('without a trailing slash the segment and what is below it match, nothing else', () => {
    expect(hit('/api', '/api')).toBe(true);
    expect(hit('/api', '/api/')).toBe(true);
    expect(hit('/api', '/api/x')).toBe(true);
    expect(hit('/api', '/apix')).toBe(false);
    expect(hit('/', '/')).toBe(true);
    expect(hit('/', '/anything/at/all')).toBe(true);
  });

  it('property: with a trailing slash a path matches iff it starts with the prefix; without, iff it is the segment or below it', () => {
    const seg = fc.stringMatching(/^[a-z0-9-]{1,3}$/);
    const segs = fc.array(seg, { minLength: 1, maxLength: 3 });
    // Paths near the prefix (the same segments, one more, one fewer, a longer last one) and random ones.
    const near = segs.chain((ps) =>
      fc.tuple(
        fc.constant(ps),
        fc.oneof(
          fc.constant(ps),
          seg.map((x) => [...ps, x]),
          fc.constant(ps.slice(0, -1)),
          seg.map((x) => [...ps.slice(0, -1), `${ps[ps.length - 1]}${x}`]),
          fc.array(seg, { maxLength: 3 }),
        ),
      ),
    );
    fc.assert(
      fc.property(near, fc.boolean(), fc.boolean(), ([ps, qs], slash, qslash) => {
        const prefix = `/${ps.join('/')}${slash ? '/' : ''}`;
        const path = `/${qs.join('/')}${qslash && qs.length ? '/' : ''}`;
        const expected = slash ? path.startsWith(prefix) : path === prefix || path.startsWith(`${prefix}/`);
        expect(hit(prefix, path)).toBe(expected);
      }),
      { numRuns: 500 },
    );
  });
});

describe('token extraction', () => {
  it('takes only an own, printable field', () => {
    expect(tokenFrom('{"token":"abc.DEF-_~+/="}', 'token')).toBe('abc.DEF-_~+/=');
    expect(tokenFrom('{"access_token":"x"}', 'token')).toBeUndefined();
    expect(tokenFrom('{"token":"a b"}', 'token')).toBeUndefined();
    expect(tokenFrom('{"token":""}', 'token')).toBeUndefined();
    expect(tokenFrom('{"token":12}', 'token')).toBeUndefined();
    expect(tokenFrom('not json', 'token')).toBeUndefined();
    expect(tokenFrom('["token"]', 'token')).toBeUndefined();
    expect(tokenFrom('{"__proto__":{"token":"x"}}', 'token')).toBeUndefined();
    const P = Object.prototype as Record<string, unknown>;
    P.planted = 'tok_planted';
    try {
      expect(tokenFrom('{}', 'planted')).toBeUndefined();
    } finally {
      delete P.planted;
    }
  });

  it('bounds the length and the characters', () => {
    expect(validToken('a'.repeat(8192))).toBe(true);
    expect(validToken('a'.repeat(8193))).toBe(false);
    expect(validToken('tok\u00e9')).toBe(false);
    expect(validToken('tok\r\nx-evil: 1')).toBe(false);
  });
});
