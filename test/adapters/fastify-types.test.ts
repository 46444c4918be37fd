// Type-level tests of sealed-session/fastify, checked by `tsc --noEmit` (each @ts-expect-error must
// stay an error, or tsc reports the directive as unused). Users write
// `declare module 'sealed-session/fastify'`; inside the repository the same module is its source.
import Fastify from 'fastify';
import { expect, it } from 'vitest';
import sealedSession, { fastifySecureSession, type Session } from '../../src/fastify/index.js';
import { generateKey } from '../../src/index.js';

declare module '../../src/fastify/index.js' {
  interface SessionData {
    typedUserId: number;
    typedRoles: string[];
  }
}

function compileOnly(): void {
  const app = Fastify();
  app.register(sealedSession, { key: generateKey('hex') });
  app.register(fastifySecureSession, [{ key: generateKey(), sessionName: 'a' }, { secret: 'x'.repeat(32) }]);
  // @ts-expect-error the key is bytes or a string
  app.register(sealedSession, { key: 42 });
  // @ts-expect-error expiry is a number of seconds
  app.register(sealedSession, { key: 'k', expiry: '1h' });

  app.get('/', async (request) => {
    const id: number | undefined = request.session.get('typedUserId');
    request.session.set('typedUserId', 7);
    request.session.set('typedRoles', ['admin']);
    const roles: string[] | undefined = request.session.typedRoles;
    // @ts-expect-error the value type follows SessionData
    request.session.set('typedUserId', 'seven');
    // @ts-expect-error unknown fields cannot be set
    request.session.set('notDeclared', 1);
    // @ts-expect-error property access is typed too
    const wrong: string | undefined = request.session.typedUserId;
    // As the original: get() of an undeclared name is untyped.
    const loose: unknown = request.session.get('anything');
    const changed: boolean = request.session.changed;
    request.session.options({ maxAge: 60, sameSite: 'strict' });
    // @ts-expect-error cookie options are checked
    request.session.options({ sameSite: 'sideways' });
    request.session.regenerate(['typedUserId']);
    return { id, roles, wrong, loose, changed };
  });

  const s: Session = app.createSecureSession({ a: 1 });
  const token: string = app.encodeSecureSession(s, 'a');
  const back: Session | null = app.decodeSecureSession(token, app.log, 'a');
  // @ts-expect-error decode may return null
  const notNull: Session = app.decodeSecureSession(token);
  void back;
  void notNull;
}

// compileOnly is compiled, each @ts-expect-error checked, by test/types/typecheck.test.ts. What the
// types refuse is refused at run time too, for JavaScript callers and `as never` casts:
it('options the types refuse are refused at registration', async () => {
  void compileOnly;
  await expect(
    Fastify()
      .register(sealedSession, { key: 42 } as never)
      .ready(),
  ).rejects.toThrow(/^options\.key: expected /);
  await expect(
    Fastify()
      .register(sealedSession, { key: generateKey('hex'), expiry: '1h' } as never)
      .ready(),
  ).rejects.toThrow(/^options\.expiry: expected /);
});
