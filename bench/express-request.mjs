// Benchmark: where `sealed-session/express` keeps a request's sessions. Express gives every request
// a new prototype (`Object.setPrototypeOf(req, app.request)` in app.handle), after which V8 builds
// new hidden classes for properties added to that request. This measures, on a re-prototyped
// `IncomingMessage` with the properties Express itself adds, what one more property costs against
// an entry in a WeakMap (what the adapter uses), each followed by the adapter's `defineProperty`
// of `req.session`.
//   node bench/express-request.mjs
import { IncomingMessage } from 'node:http';
import { Socket } from 'node:net';
import { fmtRatio, machineLine, measureInterleaved, printTable } from './_lib.mjs';

const socket = new Socket();
// What app.handle and the router give every request before a middleware runs.
const appRequest = Object.create(IncomingMessage.prototype, {
  app: { value: {}, writable: true, configurable: true, enumerable: true },
});
const expressRequest = () => {
  const req = new IncomingMessage(socket);
  Object.setPrototypeOf(req, appRequest);
  req.res = null;
  req.next = null;
  req.baseUrl = '';
  req.originalUrl = '/';
  req.params = {};
  req.query = {};
  return req;
};
const accessor = { configurable: false, enumerable: true, get: () => null, set: () => {} };
const kSessions = Symbol('sessions');
const sessions = new WeakMap();
let sink = 0;

const tasks = [
  { name: 'express request alone', fn: () => (sink += expressRequest().baseUrl.length) },
  {
    name: '+ a symbol property + defineProperty(session)',
    fn: () => {
      const req = expressRequest();
      req[kSessions] = {};
      Object.defineProperty(req, 'session', accessor);
      sink += req[kSessions] ? 1 : 0;
    },
  },
  {
    name: '+ a WeakMap entry + defineProperty(session) (the adapter)',
    fn: () => {
      const req = expressRequest();
      sessions.set(req, {});
      Object.defineProperty(req, 'session', accessor);
      sink += sessions.get(req) ? 1 : 0;
    },
  },
];

console.log(`A property added to an Express request; ${machineLine()}`);
const results = await measureInterleaved(tasks);
const base = results[0];
printTable(
  ['task', 'ops/CPU-s', 'µs/op (CPU)', 'µs over the request alone', 'vs symbol property'],
  results.map((r) => [
    r.name,
    Math.round(r.hz).toLocaleString('en-US'),
    (1e6 / r.hz).toFixed(2),
    r === base ? '' : (1e6 / r.hz - 1e6 / base.hz).toFixed(2),
    r === results[2] ? fmtRatio(r.hz, results[1].hz) : '',
  ]),
);
if (sink < 0) console.log(sink);
