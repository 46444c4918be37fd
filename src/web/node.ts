// `sealed-session/web` on Node (the `node` export condition; Bun and Deno resolve it too): the same
// API, with libsodium (sodium-native, optional) as the AEAD, so a Hono or Next.js app on Node gets
// the fast backend. Workers (workerd) resolve the portable build. Tokens are byte-identical either way.
import { useNativeBackend } from '../core/native.js';

useNativeBackend();

export * from './index.js';
