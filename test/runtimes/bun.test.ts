// The runtime matrix on Bun (npm `bun`): a Bun.serve server; `sealed-session` resolves through the
// `node` export condition to the Node entry, which loads sodium-native (N-API) as the AEAD.
import { runtimeSuite, startBun } from './driver.js';

runtimeSuite('bun', startBun, { nodeEntry: true, native: 'sodium-native' });
