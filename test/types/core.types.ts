// Type-level tests: checked by `tsc --noEmit` in `npm test`. Each @ts-expect-error must stay an
// error; if the API loosens, tsc reports the directive as unused and the run fails.
import { createKeyring, generateKey, open, type Session, SessionEngine, seal } from '../../src/index.js';

interface App {
  userId: number;
  roles: string[];
}

const ring = createKeyring(generateKey());
const hex: string = generateKey('hex');
const bytes: Uint8Array = generateKey();
// @ts-expect-error only 'hex' and 'base64url' encodings exist
generateKey('utf8');
// @ts-expect-error keys are bytes or strings
createKeyring(42);

// @ts-expect-error the context is required: tokens are always bound to what they are for
seal({ a: 1 }, ring, {});
const opened = open<{ a: number }>(seal({ a: 1 }, ring, { context: 'x' }), ring, { context: 'x' });
const a: number = opened.value.a;
// @ts-expect-error the value is typed
const b: string = opened.value.a;

const engine = new SessionEngine<App>({ key: hex });
const s: Session<App> = engine.load(undefined);
const id: number | undefined = s.get('userId');
s.set('roles', ['admin']);
// @ts-expect-error unknown field names are rejected
s.get('nope');
// @ts-expect-error values are typed by field
s.set('userId', 'not a number');
// @ts-expect-error regenerate keeps only known fields
s.regenerate(['nope']);

export { a, b, bytes, id };
