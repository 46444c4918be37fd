// Bundles the browser code of the playground with esbuild's JS API when the server starts.
// Each entry is built on its own: a module that has not landed yet (its import fails to
// resolve) makes only its own page "not available", never the whole playground.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';

const here = new URL('..', import.meta.url).pathname;

/**
 * @param {Record<string, string>} entries name → path relative to playground/client
 * @returns {Promise<Map<string, { js?: string, error?: string }>>}
 */
export async function bundleAll(entries) {
  const out = new Map();
  await Promise.all(
    Object.entries(entries).map(async ([name, rel]) => {
      const entry = join(here, 'client', rel);
      if (!existsSync(entry)) {
        out.set(name, { error: `missing ${rel}` });
        return;
      }
      try {
        const r = await build({
          entryPoints: [entry],
          bundle: true,
          format: 'esm',
          platform: 'browser',
          target: 'es2022',
          write: false,
          logLevel: 'silent',
          legalComments: 'none',
        });
        out.set(name, { js: r.outputFiles[0].text });
      } catch (err) {
        const first = err?.errors?.[0];
        const msg = first ? `${first.text}${first.location ? ` (${first.location.file})` : ''}` : String(err);
        out.set(name, { error: msg });
      }
    }),
  );
  return out;
}
