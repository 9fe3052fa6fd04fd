// Flag parsers shared by the subcommands; each throws commander's InvalidArgumentError so
// the user sees which flag was wrong and why.
import { type Command, InvalidArgumentError } from 'commander';

export interface HostPort {
  host: string;
  port: number;
}

export function parseHostPort(value: string): HostPort {
  // [::1]:8080 for IPv6, host:port otherwise.
  const m = /^\[([0-9a-fA-F:.]+)\]:(\d+)$/.exec(value) ?? /^([^:[\]]+):(\d+)$/.exec(value);
  if (!m) throw new InvalidArgumentError(`expected HOST:PORT (or [V6]:PORT), got "${value}"`);
  const port = Number(m[2]);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new InvalidArgumentError(`port must be 0-65535, got "${m[2]}"`);
  }
  return { host: m[1]!, port };
}

export function parsePositiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0)
    throw new InvalidArgumentError(`expected a positive integer, got "${value}"`);
  return n;
}

export function parseNonNegativeInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0)
    throw new InvalidArgumentError(`expected an integer >= 0, got "${value}"`);
  return n;
}

export function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

/** `--control URL` and `--token T` of the commands that call a running control's API. */
export function withControl(cmd: Command, tokenHelp = 'operator token (default: $FERRY_TOKEN)'): Command {
  return cmd
    .requiredOption('--control <url>', 'control base URL, e.g. http://127.0.0.1:8080')
    .option('--token <token>', tokenHelp);
}
