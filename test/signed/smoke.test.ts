import { describe, expect, it } from 'vitest';
import { makeRig } from './helpers.js';

describe('signed round trip', () => {
  for (const alg of ['ed25519', 'p256', 'secp256k1'] as const) {
    it(`${alg}: GET and POST are signed, encrypted and verified`, async () => {
      const rig = await makeRig(alg);
      const r1 = await rig.client('/hello?x=1');
      expect(r1.status).toBe(200);
      expect(r1.data).toEqual({ method: 'GET', path: '/hello?x=1', peer: rig.clientPublic, data: null });
      const r2 = await rig.client('/notes', {
        method: 'POST',
        body: JSON.stringify({ text: 'secret note' }),
        headers: { 'content-type': 'application/json' },
      });
      expect(r2.data).toMatchObject({ method: 'POST', data: { text: 'secret note' } });
      expect(await rig.wire[1]!.text()).not.toContain('secret note');
      expect(rig.failures).toEqual([]);
    });
  }
});
