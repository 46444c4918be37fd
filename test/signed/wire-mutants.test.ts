// Mutation tests (docs/mutation.md) for the wire format of the signed mode: the RFC 8941 parser
// (src/signed/sf.ts) and the sealed body frame (src/signed/seal.ts). Each test pins an exact value,
// refusal or boundary that a mutant of one branch changes (survivors of the 2026-12-03 run).
import { concatBytes } from '@noble/hashes/utils.js';
import { describe, expect, it } from 'vitest';
import { utf8 } from '../../src/internal/base64.js';
import {
  type Aead,
  LABEL,
  messageKey,
  nobleMac,
  openBody,
  replyMacKey,
  reviveData,
  sealBody,
} from '../../src/signed/seal.js';
import { parseDictionary, serializeBare, Token } from '../../src/signed/sf.js';

const value = (text: string, key = 'a'): unknown => {
  const d = parseDictionary(text);
  const m = d?.get(key);
  return m && 'value' in m ? m.value : undefined;
};

describe('sf: strings', () => {
  it('escapes are unescaped (the one-character loop), the fast path only for plain text', () => {
    expect(value('a="x\\"y"')).toBe('x"y');
    expect(value('a="x\\\\y"')).toBe('x\\y');
    expect(value('a="\\" ~"')).toBe('" ~');
    expect(value('a="plain text"')).toBe('plain text');
    expect(value('a=""')).toBe('');
  });

  it('a bad escape, a character outside printable ASCII, or no closing quote: null', () => {
    expect(parseDictionary('a="x\\ny"')).toBeNull();
    expect(parseDictionary('a="\\é"')).toBeNull();
    expect(parseDictionary('a="\\"é"')).toBeNull();
    expect(parseDictionary('a="\\"\x7f"')).toBeNull();
    expect(parseDictionary('a="\\"\x1f"')).toBeNull();
    expect(parseDictionary('a="é"')).toBeNull();
    expect(parseDictionary('a="\\"')).toBeNull();
    expect(parseDictionary('a="abc')).toBeNull();
  });
});

describe('sf: other bare items', () => {
  it('byte sequences: base64 only, closed by a colon', () => {
    expect(value('a=:AAAA:')).toEqual(new Uint8Array(3));
    expect(value('a=::')).toEqual(new Uint8Array(0));
    expect(parseDictionary('a=:AA-_:')).toBeNull();
    expect(parseDictionary('a=:AA AA:')).toBeNull();
    expect(parseDictionary('a=: AAAA:')).toBeNull();
    expect(parseDictionary('a=:AAAA :')).toBeNull();
    expect(parseDictionary('a=:AAAA')).toBeNull();
  });

  it('booleans: ?0 and ?1 only', () => {
    expect(value('a=?0')).toBe(false);
    expect(value('a=?1')).toBe(true);
    expect(parseDictionary('a=?2')).toBeNull();
    expect(parseDictionary('a=?')).toBeNull();
  });

  it('numbers: 0 to 9 and a minus start one; up to 3 decimals', () => {
    expect(value('a=0')).toBe(0);
    expect(value('a=9')).toBe(9);
    expect(value('a=-1')).toBe(-1);
    expect(value('a=1.5')).toBe(1.5);
    expect(value('a=1.25')).toBe(1.25);
    expect(value('a=-1.125')).toBe(-1.125);
    expect(parseDictionary('a=1.2345')).toBeNull();
    expect(parseDictionary('a=-')).toBeNull();
    expect(parseDictionary('a=-x')).toBeNull();
  });

  it('tokens, and what is no item at all', () => {
    expect(value('a=tok/en:1')).toEqual(new Token('tok/en:1'));
    expect(parseDictionary('a=@')).toBeNull();
    expect(parseDictionary('a=')).toBeNull();
  });
});

describe('sf: parameters, inner lists, dictionaries', () => {
  it('parameters: a space after ";" is allowed; a bad key or a missing value is refused', () => {
    const d = parseDictionary('a=1; b;c=2');
    const a = d?.get('a');
    expect(a && 'value' in a ? [a.value, [...a.params]] : null).toEqual([
      1,
      [
        ['b', true],
        ['c', 2],
      ],
    ]);
    expect(parseDictionary('a=1;B')).toBeNull();
    expect(parseDictionary('a=1;b=')).toBeNull();
    expect(parseDictionary('a=1;b=@')).toBeNull();
  });

  it('inner lists: items separated by spaces; an item with a bad parameter is refused', () => {
    const d = parseDictionary('a=( 1  "x");p');
    const a = d?.get('a');
    expect(a && 'items' in a ? [a.items.map((i) => i.value), [...a.params]] : null).toEqual([
      [1, 'x'],
      [['p', true]],
    ]);
    expect(parseDictionary('a=(1"x")')).toBeNull();
    expect(parseDictionary('a=(1,2)')).toBeNull();
    expect(parseDictionary('a=(1;b=)')).toBeNull();
    expect(parseDictionary('a=(@)')).toBeNull();
    expect(parseDictionary('a=(1')).toBeNull();
  });

  it('a member without "=" is true with its parameters', () => {
    const d = parseDictionary('a;p=1, b');
    const a = d?.get('a');
    const b = d?.get('b');
    expect(a && 'value' in a ? [a.value, [...a.params]] : null).toEqual([true, [['p', 1]]]);
    expect(b && 'value' in b ? [b.value, b.params.size] : null).toEqual([true, 0]);
  });

  it('empty or blank is an empty dictionary; leading spaces are skipped', () => {
    expect(parseDictionary('')).toEqual(new Map());
    expect(parseDictionary('   ')).toEqual(new Map());
    expect(value('  a=1')).toBe(1);
  });

  it('spaces and tabs around commas; anything else between members is refused', () => {
    expect([...(parseDictionary('a=1 , b=2') ?? []).keys()]).toEqual(['a', 'b']);
    expect([...(parseDictionary('a=1\t,\tb=2') ?? []).keys()]).toEqual(['a', 'b']);
    expect(parseDictionary('a=1xb=2')).toBeNull();
    expect(parseDictionary('a=1 b=2')).toBeNull();
    expect(parseDictionary('a=1,')).toBeNull();
    expect(parseDictionary('a=1, ')).toBeNull();
  });

  it('a key must start the member (never throws on a bad key)', () => {
    expect(parseDictionary('=1')).toBeNull();
    expect(parseDictionary('A=1')).toBeNull();
    expect(parseDictionary('a=1, B=2')).toBeNull();
  });

  it('maxMembers: that many members, not one more (default 16)', () => {
    const members = (n: number) => Array.from({ length: n }, (_, i) => `k${i}=${i}`).join(', ');
    expect(parseDictionary(members(16))?.size).toBe(16);
    expect(parseDictionary(members(17))).toBeNull();
    expect(parseDictionary(members(2), 2)?.size).toBe(2);
    expect(parseDictionary(members(3), 2)).toBeNull();
  });
});

describe('sf: serializeBare', () => {
  it('strings escaped, numbers to 3 decimals, booleans, tokens, bytes', () => {
    expect(serializeBare('a"b\\c')).toBe('"a\\"b\\\\c"');
    expect(serializeBare(1.23456)).toBe('1.235');
    expect(serializeBare(1.5)).toBe('1.5');
    expect(serializeBare(7)).toBe('7');
    expect(serializeBare(true)).toBe('?1');
    expect(serializeBare(false)).toBe('?0');
    expect(serializeBare(new Token('t'))).toBe('t');
    expect(serializeBare(Uint8Array.of(0, 0, 0))).toBe(':AAAA:');
  });
});

// An AEAD that "decrypts" anything to a fixed plaintext: the frame checks after it become visible.
const fixed = (plain: Uint8Array): Aead => ({ encrypt: () => new Uint8Array(0), decrypt: () => plain });
const key = new Uint8Array(32).fill(7);

describe('seal: keys', () => {
  it('HKDF-Expand info: "<LABEL> <direction> <nonce>" and "<LABEL> s2c-mac <nonce>", then 0x01', () => {
    const prk = new Uint8Array(32).fill(3);
    const expand = (info: string) => nobleMac(prk, concatBytes(utf8(info), Uint8Array.of(1)));
    expect(LABEL).toBe('sealed-session/signed v1');
    expect(messageKey(prk, 'c2s', 'n0')).toEqual(expand('sealed-session/signed v1 c2s n0'));
    expect(messageKey(prk, 's2c', 'n0')).toEqual(expand('sealed-session/signed v1 s2c n0'));
    expect(replyMacKey(prk, 'n0')).toEqual(expand('sealed-session/signed v1 s2c-mac n0'));
  });
});

describe('seal: the body frame', () => {
  it('a content type may be 255 bytes, not one more (exact message)', () => {
    const ok = sealBody(key, 'a'.repeat(255), new Uint8Array(0));
    expect(openBody(key, ok)?.contentType).toBe('a'.repeat(255));
    expect(() => sealBody(key, 'a'.repeat(256), new Uint8Array(0))).toThrow(
      new RangeError('content type: expected at most 255 bytes, got 256'),
    );
  });

  it('the shortest frame is 42 bytes (nonce, tag, version, length); 41 is refused before decrypting', () => {
    const empty = sealBody(key, '', new Uint8Array(0));
    expect(empty.length).toBe(42);
    expect(openBody(key, empty)).toEqual({ contentType: '', body: new Uint8Array(0) });
    const two = fixed(Uint8Array.of(1, 0));
    expect(openBody(key, new Uint8Array(42), two)).toEqual({ contentType: '', body: new Uint8Array(0) });
    expect(openBody(key, new Uint8Array(41), two)).toBeNull();
    expect(openBody(key, new Uint8Array(39), two)).toBeNull();
  });

  it('version 1 only; the content type must fit in the plaintext; it must be UTF-8', () => {
    const sealed = new Uint8Array(42);
    expect(openBody(key, sealed, fixed(Uint8Array.of(1, 2, 65, 66)))).toEqual({
      contentType: 'AB',
      body: new Uint8Array(0),
    });
    expect(openBody(key, sealed, fixed(Uint8Array.of(1, 1, 65, 66)))).toEqual({
      contentType: 'A',
      body: Uint8Array.of(66),
    });
    expect(openBody(key, sealed, fixed(Uint8Array.of(2, 2, 65, 66)))).toBeNull();
    expect(openBody(key, sealed, fixed(Uint8Array.of(1, 3, 65, 66)))).toBeNull();
    expect(openBody(key, sealed, fixed(Uint8Array.of(1, 1, 0xff)))).toBeNull();
  });
});

describe('seal: reviveData', () => {
  const text = (s: string) => utf8(s);
  it('JSON for application/json (parameters and case ignored) and +json', () => {
    expect(reviveData('Application/JSON; charset=utf-8', text('{"a":1}'))).toEqual({ a: 1 });
    expect(reviveData('application/ld+json', text('[1]'))).toEqual([1]);
    expect(reviveData(' application/json ; q=1', text('2'))).toBe(2);
  });

  it('a string for text/*, form data and no type; bytes otherwise', () => {
    expect(reviveData('text/html', text('<b>'))).toBe('<b>');
    expect(reviveData('application/x-www-form-urlencoded', text('a=1'))).toBe('a=1');
    expect(reviveData('', text('x'))).toBe('x');
    expect(reviveData('application/octet-stream', text('x'))).toEqual(text('x'));
  });

  it('an empty body is undefined; a body that does not decode is returned as bytes', () => {
    expect(reviveData('application/json', new Uint8Array(0))).toBeUndefined();
    expect(reviveData('text/plain', Uint8Array.of(0xff))).toEqual(Uint8Array.of(0xff));
    expect(reviveData('application/json', text('{'))).toEqual(text('{'));
  });
});
