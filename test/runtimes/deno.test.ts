// The runtime matrix on Deno (npm `deno`): a Deno.serve server; Deno also resolves the `node` export
// condition, so `sealed-session` is the Node entry and loads sodium-native (needs --allow-ffi).
import { runtimeSuite, startDeno } from './driver.js';

runtimeSuite('deno', startDeno, { nodeEntry: true, native: 'sodium-native' });
