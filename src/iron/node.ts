// `sealed-session/iron` on Node (the `node` export condition): the same API, with libsodium
// (sodium-native, optional) for the AEAD and for the Argon2id password derivation, which then runs
// on the libuv pool instead of slices of the event loop. Tokens are byte-identical either way.
import { useNativeBackend } from '../core/native.js';

useNativeBackend();

export * from './index.js';
