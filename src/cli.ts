#!/usr/bin/env node
// `npx sealed-session genkey`: prints a fresh 32-byte session key. Kept tiny and dependency-free;
// `main` is exported so tests can drive it without spawning a process.
import { readFileSync, realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { generateKey } from './core/keys.js';

const USAGE = `Usage: sealed-session <command> [options]

Commands:
  genkey [--hex | --base64 | --base64url]
      Print a fresh random 32-byte key for the \`key\` option (default: --hex, 64 characters).
      Keep it in a secret manager or an environment variable, never in source control.
  help
      Show this help.

Options:
  -h, --help       Show this help.
  -v, --version    Show the version.

Example:
  SESSION_KEY=$(npx sealed-session genkey)
`;

/** Where the CLI writes; a parameter so that tests can capture it. */
export interface CliIO {
  out(text: string): void;
  err(text: string): void;
}

const processIO: CliIO = {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
};

function version(): string {
  // src/cli.ts and dist/cli.js both sit one level below package.json.
  try {
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
      version?: unknown;
    };
    return typeof pkg.version === 'string' ? pkg.version : 'unknown';
  } catch {
    return 'unknown';
  }
}

function base64(bytes: Uint8Array): string {
  return btoa(String.fromCharCode(...bytes));
}

/**
 * Runs the CLI with `argv` (the arguments after the program name) and returns the exit code:
 * 0 on success, 2 on a usage error (with the usage on stderr).
 *
 * @example
 * ```ts
 * import { main } from 'sealed-session/dist/cli.js';
 * process.exitCode = main(['genkey', '--base64']);
 * ```
 */
export function main(argv: readonly string[], io: CliIO = processIO): number {
  const usageError = (message: string): number => {
    io.err(`sealed-session: ${message}\n\n${USAGE}`);
    return 2;
  };
  const [command, ...rest] = argv;
  if (command === undefined) return usageError('missing command');
  if (command === 'help' || command === '--help' || command === '-h') {
    if (rest.length > 0) return usageError(`unexpected argument after ${command}`);
    io.out(USAGE);
    return 0;
  }
  if (command === '--version' || command === '-v') {
    if (rest.length > 0) return usageError(`unexpected argument after ${command}`);
    io.out(`${version()}\n`);
    return 0;
  }
  if (command !== 'genkey') return usageError(`unknown command ${JSON.stringify(command.slice(0, 40))}`);

  let format: 'hex' | 'base64' | 'base64url' = 'hex';
  let chosen = false;
  for (const arg of rest) {
    if (arg === '--help' || arg === '-h') {
      io.out(USAGE);
      return 0;
    }
    const f =
      arg === '--hex' ? 'hex' : arg === '--base64' ? 'base64' : arg === '--base64url' ? 'base64url' : null;
    if (f === null) return usageError(`unknown option ${JSON.stringify(arg.slice(0, 40))} for genkey`);
    if (chosen && f !== format) return usageError('choose one of --hex, --base64, --base64url');
    format = f;
    chosen = true;
  }
  const key = format === 'base64' ? base64(generateKey()) : generateKey(format);
  io.out(`${key}\n`);
  return 0;
}

function invokedDirectly(): boolean {
  const script = process.argv[1];
  if (!script) return false;
  try {
    // npm installs bins as symlinks; compare real paths.
    return realpathSync(script) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (invokedDirectly()) process.exitCode = main(process.argv.slice(2));
