#!/usr/bin/env node
// Firefox for the browser suite: Debian's firefox-esr driven by Playwright over WebDriver BiDi
// (Playwright's `moz-firefox` channel; its own Firefox build cannot be downloaded here).
//
// Playwright 1.65 sends one BiDi command that Firefox ESR 153 does not implement yet,
// `emulation.setMediaFeaturesOverride` (prefers-color-scheme), on every new context, and gives up
// when it is refused. Run as a program, this file is the "browser executable" Playwright launches: it
// starts the real Firefox, puts a WebSocket relay in front of its BiDi endpoint, answers that one
// command with success (no suite emulates a colour scheme) and passes everything else through
// unchanged. Imported, it exports the launch options (see playwright.config.ts).
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const firefoxPath = process.env.FIREFOX_PATH ?? '/usr/bin/firefox-esr';

/** BiDi commands the relay answers itself: Firefox ESR lacks them, Playwright insists on them. */
export const ANSWERED = new Set(['emulation.setMediaFeaturesOverride']);

export const firefoxLaunch = {
  channel: 'moz-firefox',
  executablePath: fileURLToPath(import.meta.url),
  headless: true,
  firefoxUserPrefs: {
    // A closed network: no update checks, telemetry, captive-portal or remote-settings traffic.
    'app.update.enabled': false,
    'browser.shell.checkDefaultBrowser': false,
    'datareporting.policy.dataSubmissionEnabled': false,
    'network.captive-portal-service.enabled': false,
    'network.connectivity-service.enabled': false,
    'toolkit.telemetry.enabled': false,
  },
};

async function relay() {
  const { WebSocket, WebSocketServer } = await import('ws');
  const child = spawn(firefoxPath, process.argv.slice(2), { stdio: ['ignore', 'inherit', 'pipe'] });
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(sig, () => child.kill(sig));
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));

  let announced = false;
  let buffered = '';
  child.stderr.on('data', (chunk) => {
    if (announced) return void process.stderr.write(chunk);
    buffered += chunk.toString();
    const m = /WebDriver BiDi listening on (ws:\/\/[^\s]+)/.exec(buffered);
    if (!m) return;
    announced = true;
    const upstream = m[1];
    const server = new WebSocketServer({ host: '127.0.0.1', port: 0 }, () => {
      const { port } = server.address();
      process.stderr.write(buffered.replace(upstream, `ws://127.0.0.1:${port}`));
    });
    server.on('connection', (client, request) => {
      const target = new WebSocket(upstream + (request.url ?? ''));
      const pending = [];
      target.on('open', () => {
        for (const data of pending.splice(0)) target.send(data);
      });
      target.on('message', (data, isBinary) => client.send(data, { binary: isBinary }));
      target.on('close', () => client.close());
      target.on('error', () => client.terminate());
      client.on('close', () => target.close());
      client.on('message', (data) => {
        const text = data.toString();
        try {
          const msg = JSON.parse(text);
          if (ANSWERED.has(msg.method)) {
            client.send(JSON.stringify({ type: 'success', id: msg.id, result: {} }));
            return;
          }
        } catch {}
        if (target.readyState === WebSocket.OPEN) target.send(text);
        else pending.push(text);
      });
    });
  });
}

// No top-level await: Playwright loads its config (and this file) with require().
if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1])
  relay().catch((err) => {
    process.stderr.write(`scripts/firefox.mjs: ${err.stack ?? err}\n`);
    process.exit(1);
  });
