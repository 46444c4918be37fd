/**
 * The public modules: one subpath export each. `test/exports.test.ts` checks that this list,
 * `package.json#exports` and `src/` agree, so a module cannot be published half-declared.
 */
export const entries: Record<string, string> = {
  index: 'src/index.ts',
  'index.node': 'src/index.node.ts',
  fastify: 'src/fastify/index.ts',
  express: 'src/express/index.ts',
  web: 'src/web/index.ts',
  'web.node': 'src/web/node.ts',
  keystore: 'src/keystore/index.ts',
  tabs: 'src/tabs/index.ts',
  vault: 'src/vault/index.ts',
  worker: 'src/worker/index.ts',
  signed: 'src/signed/index.ts',
  'signed-server': 'src/signed/server/index.ts',
  redis: 'src/redis/index.ts',
  iron: 'src/iron/index.ts',
  'iron.node': 'src/iron/node.ts',
  cli: 'src/cli.ts',
};
