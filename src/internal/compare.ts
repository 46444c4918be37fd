// The one constant-time comparison of the package (THREATS 39): MACs, tags, nonces. The time taken
// depends only on the lengths, which are public.
import { charCode } from './intrinsics.js';

/** Constant-time equality of two byte arrays (false at once when the lengths differ). */
export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}

/** Constant-time equality of two strings over their UTF-16 code units. */
export function equalStrings(a: string, b: string): boolean {
  if (typeof a !== 'string' || typeof b !== 'string' || a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= charCode(a, i) ^ charCode(b, i);
  return diff === 0;
}
