// `npm run mutate [-- <file or glob>...]`: StrykerJS over the modules listed in stryker.config.mjs,
// or over the files given. Not part of `npm test` (minutes, not seconds).
//
// Stryker's CLI module refuses Node < 22 by a version check when it loads; its engine runs on the
// Node 20.19+ this project supports, so we load the engine class itself (the package's main entry
// re-exports the CLI, hence the direct file) with the same config file.
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';

const core = dirname(createRequire(import.meta.url).resolve('@stryker-mutator/core/package.json'));
const { Stryker } = await import(pathToFileURL(join(core, 'dist/src/stryker.js')).href);

const files = process.argv.slice(2);
// Two runs at once (e.g. one per module) must not share a sandbox or a report.
const options = {
  configFile: 'stryker.config.mjs',
  tempDirName: `.stryker-tmp/${process.pid}`,
  jsonReporter: { fileName: `reports/mutation/${process.pid}.json` },
  htmlReporter: { fileName: `reports/mutation/${process.pid}.html` },
};
if (files.length > 0) options.mutate = files;

const results = await new Stryker(options).runMutationTest();
let killed = 0;
let total = 0;
for (const r of results) {
  if (r.status === 'CompileError' || r.status === 'Ignored') continue;
  total++;
  if (r.status === 'Killed' || r.status === 'Timeout') killed++;
}
console.log(
  `\nmutation score: ${total ? ((100 * killed) / total).toFixed(2) : 'n/a'}% (${killed} of ${total} killed)`,
);
