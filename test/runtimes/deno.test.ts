// The runtime matrix on Deno (npm `deno`): a Deno.serve server; Deno also resolves the `node` export
// condition, so `sealed-session` is the Node entry and loads sodium-native (needs --allow-ffi).
import { expect, it } from 'vitest';
import { generateSecretKey } from '../../src/signed/index.js';
import { runtimeSuite, startDeno } from './driver.js';

runtimeSuite('deno', startDeno, { nodeEntry: true, native: 'sodium-native' });

it('deno without --allow-ffi: the Node entry falls back to the portable AEAD (noble) and still serves', async () => {
  const server = await startDeno(
    { SESSION_KEY: '00'.repeat(32), SIGNED_KEY: generateSecretKey('ed25519') },
    { ffi: false },
  );
  try {
    const report = await (await fetch(`${server.url}/__runtime`)).json();
    expect(report).toMatchObject({ nodeEntry: true, native: 'noble' });
    const r = await fetch(
      `${server.url}/__cases/${encodeURIComponent('token vectors sealed by Node open byte for byte')}`,
      {
        method: 'POST',
      },
    );
    expect(await r.json()).toEqual({ ok: true });
  } finally {
    await server.stop();
  }
});
