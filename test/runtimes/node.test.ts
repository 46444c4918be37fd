// The portable cases of the runtime matrix (cases.ts), run in Node in-process: the reference the
// Bun, Deno and workerd runs are compared with.
import { describe, it } from 'vitest';
import { cases } from './cases.js';

describe('node: the portable cases in-process', () => {
  for (const [name, run] of Object.entries(cases)) it(`case: ${name}`, run);
});
