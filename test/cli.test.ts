// `sealed-session genkey`: main() driven in-process, plus the built bin spawned when dist exists
// (npm test builds dist before running the suites).
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { main } from '../src/cli.js';
import { createKeyring } from '../src/index.js';

function run(...argv: string[]): { code: number; out: string; err: string } {
  let out = '';
  let err = '';
  const code = main(argv, { out: (t) => (out += t), err: (t) => (err += t) });
  return { code, out, err };
}

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
  version: string;
  bin: Record<string, string>;
};

describe('sealed-session CLI', () => {
  it('genkey prints a fresh 32-byte hex key by default, usable as `key`', () => {
    const a = run('genkey');
    const b = run('genkey');
    expect(a.code).toBe(0);
    expect(a.err).toBe('');
    expect(a.out).toMatch(/^[0-9a-f]{64}\n$/);
    expect(a.out).not.toBe(b.out);
    expect(createKeyring(a.out.trim()).size).toBe(1);
    expect(run('genkey', '--hex').out).toMatch(/^[0-9a-f]{64}\n$/);
  });

  it('genkey --base64 and --base64url print 32 bytes that createKeyring accepts', () => {
    const b64 = run('genkey', '--base64').out.trim();
    expect(b64).toMatch(/^[A-Za-z0-9+/]{43}=$/);
    expect(Buffer.from(b64, 'base64')).toHaveLength(32);
    expect(createKeyring(b64).size).toBe(1);
    const url = run('genkey', '--base64url').out.trim();
    expect(url).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(createKeyring(url).size).toBe(1);
  });

  it('help and version exit 0', () => {
    for (const args of [['help'], ['--help'], ['-h'], ['genkey', '--help']]) {
      const r = run(...args);
      expect(r.code, args.join(' ')).toBe(0);
      expect(r.out).toContain('Usage: sealed-session');
      expect(r.out).toContain('genkey');
    }
    expect(run('--version').out).toBe(`${pkg.version}\n`);
  });

  it('bad arguments exit 2 with the usage on stderr and nothing on stdout', () => {
    for (const args of [
      [],
      ['bogus'],
      ['genkey', '--hexx'],
      ['genkey', '--hex', '--base64'],
      ['help', 'x'],
    ]) {
      const r = run(...args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.out, args.join(' ')).toBe('');
      expect(r.err, args.join(' ')).toMatch(/^sealed-session: .*\n\nUsage: sealed-session/);
    }
    // A long bogus argument is not echoed in full.
    expect(run(`--${'x'.repeat(500)}`).err.length).toBeLessThan(1200);
  });

  const bin = fileURLToPath(new URL(`../${pkg.bin['sealed-session']}`, import.meta.url));
  const built = existsSync(bin) && readFileSync(bin, 'utf8').includes('genkey');
  it.skipIf(!built)('the built bin keeps its shebang and runs under node', () => {
    expect(readFileSync(bin, 'utf8').split('\n')[0]).toBe('#!/usr/bin/env node');
    const ok = spawnSync(process.execPath, [bin, 'genkey', '--base64url'], { encoding: 'utf8' });
    expect(ok.status).toBe(0);
    expect(ok.stdout).toMatch(/^[A-Za-z0-9_-]{43}\n$/);
    const bad = spawnSync(process.execPath, [bin, 'nope'], { encoding: 'utf8' });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('Usage: sealed-session');
    const version = spawnSync(process.execPath, [bin, '--version'], { encoding: 'utf8' });
    expect(version.stdout).toBe(`${pkg.version}\n`);
  });
});
