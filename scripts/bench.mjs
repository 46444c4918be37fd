// `npm run bench`: builds, then runs every bench/*.mjs in turn (each prints its own table with
// ratios against the libraries users would pick instead). Pass names to run a subset:
// `npm run bench -- session-seal signed`.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { build, ensureNodeModules, root, run } from './ensure.mjs';

ensureNodeModules();
// BENCH_DIST=<dir>: the benches load that build (bench/_lib.mjs distUrl) and dist/ is left alone.
if (!process.env.BENCH_DIST) build();
const only = process.argv.slice(2);
const files = readdirSync(join(root, 'bench'))
  .filter((f) => f.endsWith('.mjs') && !f.startsWith('_'))
  .filter((f) => only.length === 0 || only.some((o) => f.startsWith(o)))
  .sort();
for (const f of files) {
  console.log(`\n##### bench/${f}`);
  run('node', [join('bench', f)]);
}
