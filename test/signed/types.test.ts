// Compile-time checks: misuse that must not type-check (`@ts-expect-error`) and the shapes users
// rely on. `npx tsc --noEmit` fails if any expectation here stops holding.
import { describe, expectTypeOf, it } from 'vitest';
import {
  CryptoSession,
  type DecodedData,
  type EncodedData,
  SecureFetch,
  type SecureFetchFunction,
  type SecureResponse,
} from '../../src/signed/index.js';
import {
  createExpressAuth,
  createSignedHandler,
  type NodeMiddleware,
  type PeerSession,
  type SignedServerOptions,
} from '../../src/signed/server/index.js';

describe('types', () => {
  it('public shapes', () => {
    expectTypeOf<ReturnType<SecureFetchFunction>>().toEqualTypeOf<Promise<SecureResponse>>();
    expectTypeOf<SecureResponse['data']>().toEqualTypeOf<unknown>();
    expectTypeOf<CryptoSession['encode']>().returns.toEqualTypeOf<Promise<EncodedData>>();
    expectTypeOf<CryptoSession['decode']>().returns.toEqualTypeOf<Promise<DecodedData>>();
    expectTypeOf(createExpressAuth).returns.toEqualTypeOf<NodeMiddleware>();
    expectTypeOf<PeerSession['peerKey']>().toEqualTypeOf<string>();
  });

  it('misuse does not compile', () => {
    const never = (): void => {
      // @ts-expect-error a number is not a key
      SecureFetch(1, 'k');
      // @ts-expect-error the secret key is required
      new CryptoSession('k');
      // @ts-expect-error reply signatures are 'key' or 'hmac'
      const o: SignedServerOptions = { key: 'k', origin: 'https://a.test', replySignature: 'rsa' };
      // @ts-expect-error the server key must be text or bytes (it agrees keys), not a CryptoKeyPair
      const p: SignedServerOptions = { key: {} as CryptoKeyPair, origin: 'https://a.test' };
      // @ts-expect-error a Web handler must return a Response
      createSignedHandler(o, async () => 'text');
      // @ts-expect-error CryptoSession has no readable secret key
      new CryptoSession('a', 'b').secretKey;
      void p;
    };
    void never;
  });
});
