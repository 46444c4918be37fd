// `npm start`: installs what a fresh clone lacks, builds dist/, and serves the playground on
// http://127.0.0.1:3000 (PORT and HOST override; loopback by default, on purpose: the playground
// runs attacker scripts and has no authentication of its own).
import { build, ensureNodeModules } from './ensure.mjs';

ensureNodeModules();
build();

const { startPlayground } = await import('../playground/server.mjs');
const port = Number.parseInt(process.env.PORT ?? '3000', 10);
const host = process.env.HOST || '127.0.0.1';
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`PORT must be an integer between 0 and 65535, got ${JSON.stringify(process.env.PORT)}`);
  process.exit(1);
}

let pg;
try {
  pg = await startPlayground({ port, host });
} catch (err) {
  if (err?.code === 'EADDRINUSE') {
    console.error(`${host}:${port} is already in use: start with another port, e.g. PORT=3001 npm start`);
    process.exit(1);
  }
  throw err;
}
const missing = [...pg.availability].filter(([, a]) => !a.available).map(([id]) => id);
console.log(`\nsealed-session playground: ${pg.url}/`);
console.log(`  summary matrix:            ${pg.url}/summary`);
console.log(
  `  many instances:            ${pg.url}/multi/ (starts redis-server and a second server process on first visit)`,
);
if (missing.length) console.log(`  not available in this build yet: ${missing.join(', ')}`);
console.log('  Ctrl+C to stop.');

for (const sig of ['SIGINT', 'SIGTERM']) {
  process.once(sig, () => {
    pg.close().finally(() => process.exit(0));
  });
}
