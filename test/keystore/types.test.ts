// Type-level test, checked by `tsc --noEmit` (the project includes test/): unknown key names and
// wrong value types must not compile. The runtime part only makes vitest collect the file.
import { expect, test } from 'vitest';
import { SessionKeystore } from '../../src/keystore/index.js';
import { type HandoverStore, TabSession } from '../../src/tabs/index.js';

// Never called: these lines only have to (not) compile.
function mustNotCompile(
  store: SessionKeystore<'foo' | 'bar'>,
  keys: SessionKeystore<'token' | 'aes', string | CryptoKey>,
) {
  // @ts-expect-error 'egg' is not a key of this store
  store.get('egg');
  // @ts-expect-error 'egg' is not a key of this store
  store.set('egg', 'x');
  // @ts-expect-error a string store does not take a CryptoKey
  store.set('foo', {} as CryptoKey);
  // @ts-expect-error no such event
  store.on('opened', () => {});
  // @ts-expect-error 'other' is not a field of this store
  new TabSession({ store: keys, fields: ['token', 'other'] });
}

test('typed key names (compile-time)', () => {
  void mustNotCompile; // compiled (and each @ts-expect-error checked) by test/types/typecheck.test.ts
  const store = new SessionKeystore<'foo' | 'bar'>({ name: 'types-test' });
  store.set('foo', 'x');
  const s: string | null = store.get('foo');
  store.on('created', ({ name }) => {
    const n: 'foo' | 'bar' = name;
    void n;
  });
  const keys = new SessionKeystore<'token' | 'aes', string | CryptoKey>({ name: 'types-test-2' });
  const asStore: HandoverStore<'token' | 'aes'> = keys;
  new TabSession({ store: keys, fields: ['token', 'aes'] }).close();
  expect(s).toBe('x');
  expect(asStore).toBe(keys);
  store.dispose();
  keys.dispose();
});
