// docs/web.md: how `c.var.<sessionName>` is typed in Hono. Checked by test/types/typecheck.test.ts:
// each @ts-expect-error must stay an error.
import { Hono } from 'hono';
import { generateKey } from '../../src/index.js';
import { honoSession, type Session, type SessionVariables } from '../../src/web/index.js';

interface Cart {
  items: string[];
}
const key = generateKey();

// Chained: the middleware's variables reach the route.
new Hono().use(honoSession<Cart, 'cart'>({ key, sessionName: 'cart' })).get('/', (c) => {
  const cart: Session<Cart> = c.var.cart;
  return c.json(cart.get('items') ?? []);
});

// A separate statement sees only ContextVariableMap: c.var.session, not c.var.cart.
const loose = new Hono();
loose.use(honoSession<Cart, 'cart'>({ key, sessionName: 'cart' }));
loose.get('/', (c) => {
  c.var.session.get('anything');
  // @ts-expect-error cart is not in the app's variables without the chain
  return c.json(c.var.cart);
});

// Declared up front: typed in separate statements too.
const declared = new Hono<SessionVariables<Cart, 'cart'>>();
declared.use(honoSession<Cart, 'cart'>({ key, sessionName: 'cart' }));
declared.get('/', (c) => {
  const items: string[] | undefined = c.var.cart.get('items');
  return c.json(items ?? []);
});
