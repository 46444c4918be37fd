// Written against the mutants StrykerJS left alive in src/vault/allow.ts (docs/mutation.md): the
// exact refusal reason for each kind of URL, every allowed method, and the validation errors of
// malformed entries, which must be ours ("expected X, got Y"), not a TypeError from the engine.
import { describe, expect, it } from 'vitest';
import { compileAllow, isMethod, matchUrl } from '../../src/vault/allow.js';

const O = 'https://api.example.com';
const rules = compileAllow([{ origin: O, pathPrefix: '/api', methods: ['GET', 'POST'] }], 'test');

describe('matchUrl: one reason per refusal', () => {
  it.each([
    ['http://', 'GET', 'url'],
    [`https://user@api.example.com/api/x`, 'GET', 'userinfo'],
    [`https://:pw@api.example.com/api/x`, 'GET', 'userinfo'],
    [`https://user:pw@api.example.com/api/x`, 'GET', 'userinfo'],
    [`${O}/api/a%2fb`, 'GET', 'path'],
    [`${O}/api/x`, 'OPTIONS', 'method'],
    [`${O}/api/x`, 'get', 'method'],
    [`${O}/api/x`, 'DELETE', 'not-allowed'],
    [`${O}/other`, 'GET', 'not-allowed'],
    ['https://evil.example/api/x', 'GET', 'not-allowed'],
  ])('%s %s → %s', (url, method, reason) => {
    expect(matchUrl(rules, url, method)).toBe(reason);
  });

  it('a path that merely contains the word "undefined" is an ordinary path', () => {
    const u = matchUrl(rules, `${O}/api/undefined`, 'GET');
    expect(u).toBeInstanceOf(URL);
    expect((u as URL).pathname).toBe('/api/undefined');
  });
});

describe('isMethod and the methods of an entry', () => {
  const all = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;

  it('knows exactly the six methods, upper-case', () => {
    for (const m of all) expect(isMethod(m), m).toBe(true);
    for (const m of ['OPTIONS', 'TRACE', 'CONNECT', 'get', 'Head', '', 'GET '])
      expect(isMethod(m), m).toBe(false);
  });

  it.each(all)('an entry allowing only %s authorises exactly that method', (method) => {
    const only = compileAllow([{ origin: O, pathPrefix: '/', methods: [method] }], 'test');
    expect(matchUrl(only, `${O}/x`, method)).toBeInstanceOf(URL);
    for (const other of all.filter((m) => m !== method))
      expect(matchUrl(only, `${O}/x`, other)).toBe('not-allowed');
  });
});

describe('compileAllow: malformed entries get our error, naming the entry', () => {
  it.each([
    [null, /^test: options\.allow\[0\]: expected an object \{ origin, pathPrefix, methods \}, got null$/],
    ['https://api.example.com', /^test: options\.allow\[0\]: expected an object/],
    [
      { origin: 'https://', pathPrefix: '/', methods: ['GET'] },
      /^test: options\.allow\[0\]\.origin: expected an exact origin/,
    ],
    [
      { origin: 'not a url', pathPrefix: '/', methods: ['GET'] },
      /^test: options\.allow\[0\]\.origin: expected an exact origin/,
    ],
    [
      { origin: 42, pathPrefix: '/', methods: ['GET'] },
      /^test: options\.allow\[0\]\.origin: expected an exact origin/,
    ],
    [
      { origin: O, pathPrefix: 'api', methods: ['GET'] },
      /^test: options\.allow\[0\]\.pathPrefix: expected a normalised path/,
    ],
    [
      { origin: O, pathPrefix: 42, methods: ['GET'] },
      /^test: options\.allow\[0\]\.pathPrefix: expected a normalised path/,
    ],
    [
      { origin: O, pathPrefix: '/', methods: [42] },
      /^test: options\.allow\[0\]\.methods: expected a non-empty array/,
    ],
    [
      { origin: O, pathPrefix: '/', methods: ['GET', 'get'] },
      /^test: options\.allow\[0\]\.methods: expected a non-empty array/,
    ],
  ])('%j', (entry, message) => {
    expect(() => compileAllow([entry], 'test')).toThrow(TypeError);
    expect(() => compileAllow([entry], 'test')).toThrow(message);
  });
});
