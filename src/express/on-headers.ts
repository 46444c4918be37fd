// Runs a listener just before a node:http response sends its headers, the way the `on-headers`
// package does: wrap this response's `writeHead`, which Node also calls for implicit headers
// (`res.end()`, `res.write()`, `res.flushHeaders()` all go through `this.writeHead`).
import type { OutgoingHttpHeader, OutgoingHttpHeaders, ServerResponse } from 'node:http';

type WriteHead = ServerResponse['writeHead'];
type HeaderArg = OutgoingHttpHeaders | OutgoingHttpHeader[];

/**
 * Calls `listener` once, before the headers of `res` are written, with every header the handler
 * set already in place — including those passed to `writeHead(status, headers)` itself, which are
 * moved onto the response first so the listener can append to them (Node would otherwise let them
 * replace what the listener added).
 */
export function onHeaders(res: ServerResponse, listener: (res: ServerResponse) => void): void {
  const previous: WriteHead = res.writeHead;
  let fired = false;
  // A plain function (not an arrow) so that `this` is the response, as Node calls it.
  function writeHead(this: ServerResponse, ...args: unknown[]): ServerResponse {
    if (fired) return Reflect.apply(previous, this, args) as ServerResponse;
    fired = true;
    const status = args[0];
    let i = 1;
    if (typeof args[1] === 'string') {
      this.statusMessage = args[1];
      i = 2;
    }
    const headers = args[i] as HeaderArg | undefined;
    if (typeof status === 'number') this.statusCode = status;
    if (headers) moveHeaders(this, headers);
    listener(this);
    // Status (possibly changed by the listener) and message are already on the response.
    return Reflect.apply(previous, this, [this.statusCode, this.statusMessage]) as ServerResponse;
  }
  res.writeHead = writeHead as WriteHead;
}

function moveHeaders(res: ServerResponse, headers: HeaderArg): void {
  if (Array.isArray(headers)) {
    // Node's semantics for the flat [name, value, …] form: it replaces earlier values of the same
    // name but may repeat a name within itself.
    for (let n = 0; n + 1 < headers.length; n += 2) res.removeHeader(String(headers[n]));
    for (let n = 0; n + 1 < headers.length; n += 2) {
      res.appendHeader(String(headers[n]), headers[n + 1] as string | string[]);
    }
    return;
  }
  for (const k of Object.keys(headers)) {
    const v = (headers as OutgoingHttpHeaders)[k];
    if (k && v !== undefined) res.setHeader(k, v);
  }
}
