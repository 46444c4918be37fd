// The keystore's own JSON writer (THREATS 45) must produce exactly what JSON.stringify produces,
// so that the sealed format does not change, without ever consulting toJSON or a prototype.
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { jsonNumber, jsonString, jsonText } from '../../src/keystore/json.js';

describe('own JSON writer', () => {
  test('strings: the same text as JSON.stringify, for any UTF-16 string (lone surrogates too)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (s) => {
        expect(jsonString(s)).toBe(JSON.stringify(s));
      }),
      { numRuns: 500 },
    );
    for (const s of ['', '"', '\\', '\u0000\u001f\b\t\n\f\r', '\ud800', '\udc00x', '\ud83d\ude00', '\u2028'])
      expect(jsonString(s)).toBe(JSON.stringify(s));
  });

  test('numbers and JSON data: the same text as JSON.stringify', () => {
    fc.assert(
      fc.property(fc.double(), (x) => {
        expect(jsonNumber(x)).toBe(JSON.stringify(x));
      }),
    );
    fc.assert(
      fc.property(fc.jsonValue(), (v) => {
        expect(jsonText(v)).toBe(JSON.stringify(v));
      }),
      { numRuns: 300 },
    );
  });

  test('never consults toJSON or inherited members', () => {
    const planted = ['toJSON'];
    for (const proto of [Object.prototype, Array.prototype, String.prototype]) {
      Object.defineProperty(proto, 'toJSON', {
        configurable: true,
        get() {
          planted.push('called');
          return () => 'stolen';
        },
      });
    }
    try {
      expect(jsonText(['k', 'v', null, { a: 's' }])).toBe('["k","v",null,{"a":"s"}]');
      expect(planted).toEqual(['toJSON']);
    } finally {
      for (const proto of [Object.prototype, Array.prototype, String.prototype])
        delete (proto as { toJSON?: unknown }).toJSON;
    }
  });
});
