import { describe, expect, it } from 'vitest';
import { installTokenWorker } from '../../src/worker/sw.js';
import type { TokenWorkerScope } from '../../src/worker/sw-types.js';

const fakeScope = () => {
  const listeners: Record<string, unknown> = {};
  const scope = {
    addEventListener: (t: string, l: unknown) => {
      listeners[t] = l;
    },
    skipWaiting: async () => {},
    clients: { claim: async () => {} },
  } as unknown as TokenWorkerScope;
  return { scope, listeners };
};

const allow = [{ origin: 'https://api.example.com', pathPrefix: '/v1', methods: ['GET'] as const }];

describe('installTokenWorker', () => {
  it('validates its config with "expected X, got Y"', () => {
    const { scope } = fakeScope();
    expect(() => installTokenWorker(scope, { allow: [] })).toThrow(
      'options.allow: expected a non-empty array',
    );
    expect(() =>
      installTokenWorker(scope, { allow, refresh: { url: 'https://evil.example/refresh' } }),
    ).toThrow('options.refresh: expected { url, method? }');
    expect(() => installTokenWorker(scope, { allow, scheme: '' })).toThrow('options.scheme');
  });

  it('reads a trailing-slash prefix as the vault does: the bare segment is outside (THREATS 46)', () => {
    const { scope } = fakeScope();
    const slashed = [{ origin: 'https://api.example.com', pathPrefix: '/auth/', methods: ['POST'] as const }];
    expect(() =>
      installTokenWorker(scope, { allow: slashed, refresh: { url: 'https://api.example.com/auth' } }),
    ).toThrow('options.refresh: expected { url, method? }');
    expect(() =>
      installTokenWorker(scope, { allow: slashed, refresh: { url: 'https://api.example.com/auth/refresh' } }),
    ).not.toThrow();
  });

  it('registers install, activate, message and fetch listeners', () => {
    const { scope, listeners } = fakeScope();
    installTokenWorker(scope, { allow });
    expect(Object.keys(listeners).sort()).toEqual(['activate', 'fetch', 'install', 'message']);
  });

  it('ignores untagged messages and messages without a reply port', () => {
    const { scope, listeners } = fakeScope();
    installTokenWorker(scope, { allow });
    const onMessage = listeners.message as (e: unknown) => void;
    let waited = 0;
    const ev = (data: unknown, ports: unknown[]) => ({
      data,
      ports,
      source: { id: 'c1' },
      waitUntil: () => {
        waited++;
      },
    });
    onMessage(ev({ token: 'x' }, [{}]));
    onMessage(ev({ sealedSession: 1, op: 'login', token: 'x' }, []));
    onMessage(ev({ sealedSession: 1, op: 'login', token: 'x' }, [{ postMessage() {} }]));
    // Only the tagged message with a port is handled (and answered with a refusal).
    expect(waited).toBe(1);
  });

  it('leaves unmarked requests alone', () => {
    const { scope, listeners } = fakeScope();
    installTokenWorker(scope, { allow });
    let responded = false;
    (listeners.fetch as (e: unknown) => void)({
      request: new Request('https://api.example.com/v1/x'),
      clientId: 'c1',
      respondWith: () => {
        responded = true;
      },
    });
    expect(responded).toBe(false);
  });
});
