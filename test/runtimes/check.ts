// A few assertions for the portable cases (test/runtimes/cases.ts), which run where Vitest does
// not: inside Bun, Deno and workerd. Each failure names what was expected and what came instead.

/** Structural equality of JSON-like values (plain objects, arrays, primitives). */
export function same(a: unknown, b: unknown): boolean {
  if (Object.is(a, b)) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  if (ka.length !== kb.length) return false;
  return ka.every((k) => same((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}

const show = (v: unknown): string => {
  const text = typeof v === 'string' ? JSON.stringify(v) : (JSON.stringify(v) ?? String(v));
  return text.length > 120 ? `${text.slice(0, 120)}…` : text;
};

/** Throws unless `actual` equals `expected` structurally. */
export function eq(actual: unknown, expected: unknown, label = 'value'): void {
  if (!same(actual, expected)) throw new Error(`${label}: expected ${show(expected)}, got ${show(actual)}`);
}

/** Throws unless `cond` holds. */
export function ok(cond: unknown, label: string): void {
  if (!cond) throw new Error(`${label}: expected true, got ${show(cond)}`);
}

/** Throws unless `fn` throws an instance of `type` whose message matches `message` (when given). */
export function throws(
  fn: () => unknown,
  type: abstract new (...args: never[]) => Error,
  label: string,
  message?: RegExp,
): void {
  try {
    fn();
  } catch (err) {
    if (!(err instanceof type))
      throw new Error(`${label}: expected a ${type.name}, got ${show(String(err))}`);
    if (message && !message.test(err.message))
      throw new Error(`${label}: expected a message matching ${message}, got ${show(err.message)}`);
    return;
  }
  throw new Error(`${label}: expected a ${type.name} to be thrown, got none`);
}
