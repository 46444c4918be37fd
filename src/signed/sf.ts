// The small part of RFC 8941 (Structured Field Values) that RFC 9421 needs: dictionaries whose
// members are items or inner lists with parameters. Parsing is strict and never throws: malformed
// input yields null, so a hostile header can only ever produce "unauthenticated".
import { fromBase64, toBase64 } from '../internal/base64.js';

/** An RFC 8941 token (distinct from a string when serialized). */
export class Token {
  constructor(readonly value: string) {}
}

export type BareItem = string | number | boolean | Uint8Array | Token;
export type Params = Map<string, BareItem>;
export type Item = { value: BareItem; params: Params };
export type InnerList = { items: Item[]; params: Params };
export type Member = Item | InnerList;
export type Dictionary = Map<string, Member>;

export function isInnerList(m: Member): m is InnerList {
  return (m as InnerList).items !== undefined;
}

// Printable ASCII without `"` and `\\`: a string's content that needs no unescaping.
const PLAIN_STRING = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/;

class Parser {
  i = 0;
  constructor(readonly s: string) {}
  peek(): string {
    return this.s[this.i] ?? '';
  }
  ows(): void {
    while (this.peek() === ' ' || this.peek() === '\t') this.i++;
  }
  sp(): void {
    while (this.peek() === ' ') this.i++;
  }
  key(): string | null {
    const m = /^[a-z*][a-z0-9_\-.*]*/.exec(this.s.slice(this.i, this.i + 256));
    if (!m) return null;
    this.i += m[0].length;
    return m[0];
  }
  bare(): BareItem | null {
    const c = this.peek();
    if (c === '"') {
      // Fast path: no escape before the closing quote, every character printable ASCII — the
      // string is the slice. Otherwise the loop below (same result, one character at a time).
      const end = this.s.indexOf('"', this.i + 1);
      if (end > 0) {
        const text = this.s.slice(this.i + 1, end);
        if (PLAIN_STRING.test(text)) {
          this.i = end + 1;
          return text;
        }
      }
      let out = '';
      this.i++;
      while (this.i < this.s.length) {
        const ch = this.s[this.i++]!;
        if (ch === '\\') {
          const next = this.s[this.i++];
          if (next !== '"' && next !== '\\') return null;
          out += next;
        } else if (ch === '"') {
          return out;
        } else {
          const code = ch.charCodeAt(0);
          if (code < 0x20 || code > 0x7e) return null;
          out += ch;
        }
      }
      return null;
    }
    if (c === ':') {
      const end = this.s.indexOf(':', this.i + 1);
      if (end < 0) return null;
      const text = this.s.slice(this.i + 1, end);
      if (!/^[A-Za-z0-9+/=]*$/.test(text)) return null;
      const bytes = fromBase64(text);
      if (!bytes) return null;
      this.i = end + 1;
      return bytes;
    }
    if (c === '?') {
      const v = this.s[this.i + 1];
      if (v !== '0' && v !== '1') return null;
      this.i += 2;
      return v === '1';
    }
    if (c === '-' || (c >= '0' && c <= '9')) {
      const m = /^-?[0-9]{1,15}(\.[0-9]{1,3})?/.exec(this.s.slice(this.i, this.i + 20));
      if (!m) return null;
      this.i += m[0].length;
      return Number(m[0]);
    }
    if (/[A-Za-z*]/.test(c)) {
      const m = /^[A-Za-z*][A-Za-z0-9!#$%&'*+\-.^_`|~:/]*/.exec(this.s.slice(this.i, this.i + 1024));
      if (!m) return null;
      this.i += m[0].length;
      return new Token(m[0]);
    }
    return null;
  }
  params(): Params | null {
    const p: Params = new Map();
    while (this.peek() === ';') {
      this.i++;
      this.sp();
      const k = this.key();
      if (k === null) return null;
      let v: BareItem = true;
      if (this.peek() === '=') {
        this.i++;
        const b = this.bare();
        if (b === null) return null;
        v = b;
      }
      p.set(k, v);
    }
    return p;
  }
  item(): Item | null {
    const value = this.bare();
    if (value === null) return null;
    const params = this.params();
    return params ? { value, params } : null;
  }
  member(): Member | null {
    if (this.peek() !== '(') return this.item();
    this.i++;
    const items: Item[] = [];
    for (;;) {
      this.sp();
      if (this.peek() === ')') {
        this.i++;
        const params = this.params();
        return params ? { items, params } : null;
      }
      const it = this.item();
      if (!it) return null;
      items.push(it);
      const c = this.peek();
      if (c !== ' ' && c !== ')') return null;
    }
  }
}

/** Parses an RFC 8941 dictionary; null on any syntax error or on more than `maxMembers` members. */
export function parseDictionary(text: string, maxMembers = 16): Dictionary | null {
  const p = new Parser(text);
  const out: Dictionary = new Map();
  p.sp();
  if (p.i >= text.length) return out;
  for (;;) {
    const k = p.key();
    if (k === null) return null;
    let m: Member | null;
    if (p.peek() === '=') {
      p.i++;
      m = p.member();
    } else {
      const params = p.params();
      m = params ? { value: true, params } : null;
    }
    if (!m) return null;
    out.set(k, m);
    if (out.size > maxMembers) return null;
    p.ows();
    if (p.i >= text.length) return out;
    if (p.peek() !== ',') return null;
    p.i++;
    p.ows();
    if (p.i >= text.length) return null;
  }
}

export function serializeBare(v: BareItem): string {
  if (typeof v === 'string') return `"${v.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : String(Math.round(v * 1000) / 1000);
  if (typeof v === 'boolean') return v ? '?1' : '?0';
  if (v instanceof Token) return v.value;
  return `:${toBase64(v)}:`;
}

export function serializeParams(p: Params): string {
  let out = '';
  for (const [k, v] of p) out += v === true ? `;${k}` : `;${k}=${serializeBare(v)}`;
  return out;
}

export function serializeItem(it: Item): string {
  return serializeBare(it.value) + serializeParams(it.params);
}

export function serializeInnerList(l: InnerList): string {
  return `(${l.items.map(serializeItem).join(' ')})${serializeParams(l.params)}`;
}
