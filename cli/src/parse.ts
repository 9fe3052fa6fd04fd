// Flag parsers shared by the subcommands; each throws commander's InvalidArgumentError so
// the user sees which flag was wrong and why.
import { type Command, InvalidArgumentError, Option } from 'commander';

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
    .requiredOption('--control <url>', 'control base URL, e.g. http://127.0.0.1:8000')
    .option('--token <token>', tokenHelp);
}

export function parsePositiveNumber(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0)
    throw new InvalidArgumentError(`expected a positive number, got "${value}"`);
  return n;
}

/** `--listen HOST:PORT` with its default (the appliance's and control's differ). */
export function listenOption(description: string, dflt: string): Option {
  return new Option('--listen <host:port>', description)
    .argParser(parseHostPort)
    .default(parseHostPort(dflt), dflt);
}

const RATE_UNITS: Record<string, number> = { '': 1, k: 1e3, m: 1e6, g: 1e9, t: 1e12 };

/** A link rate in bits/s: `10Gb/s`, `2500Mb/s`, `1.5Gbps`, `800M`, or a plain number of bits/s. */
export function parseRate(value: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([kKmMgGtT]?)(?:b(?:\/s|ps)?|bit\/s)?\s*$/.exec(value);
  const n = m ? Number(m[1]) * RATE_UNITS[m[2]!.toLowerCase()]! : Number.NaN;
  if (!Number.isFinite(n) || n < 1 || !Number.isSafeInteger(Math.round(n))) {
    throw new InvalidArgumentError(
      `expected a rate like 10Gb/s, 2500Mb/s or a number of bits/s, got "${value}"`,
    );
  }
  return Math.round(n);
}
