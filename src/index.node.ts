// `sealed-session` on Node: the same API as the portable core, with libsodium (sodium-native) as
// the AEAD when it is installed. Tokens are byte-identical either way.
import { useNativeBackend } from './core/native.js';

useNativeBackend();

export * from './index.js';
export { useNativeBackend };
