// How `ferry` talks about its own flags: --version, required flags marked in every --help,
// and usage errors as one line naming the problem plus where the help is, exit code 2
// (docs/cli.md, "Conventions").
import { readFileSync } from 'node:fs';
import { type Command, CommanderError, Help, InvalidArgumentError, type Option } from 'commander';
import { REQUIRED } from './config-file.js';

/** A wrong flag, argument or config file: exit 2, with a pointer to the command's --help. */
export class UsageError extends Error {
  constructor(
    readonly command: Command | undefined,
    message: string,
    /** the catalogue code of a setting the server refused (FERRY_ERR_CONFIG) */
    readonly code?: string,
  ) {
    super(message);
    this.name = 'UsageError';
  }
}

/** Flags required only together with another one: flag → the other flag. */
const REQUIRED_WITH = new WeakMap<Option, string>();

/** Marks `flag` of `cmd` as required with `other` (shown in --help; checked by the command). */
export function requiredWith(cmd: Command, flag: string, other: string): Command {
  const o = cmd.options.find((x) => x.long === flag);
  if (!o) throw new Error(`${cmd.name()} has no option ${flag}`);
  REQUIRED_WITH.set(o, other);
  return cmd;
}

/** `ferry 0.1.0 (node v20.19.0)`, the version from the repository's package.json. */
export function versionLine(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
    version: string;
  };
  return `ferry ${pkg.version} (node ${process.version})`;
}

/** The command whose action runs: where an action's own usage error points. */
let running: Command | undefined;

/** Settings every command inherits: set on the program before its subcommands are made. */
export function configureUsage(program: Command): Command {
  return program
    .hook('preAction', (_program, action) => {
      running = action;
    })
    .version(versionLine(), '-V, --version', 'print the version and exit')
    .exitOverride()
    .configureHelp({
      optionDescription(option: Option): string {
        const base = Help.prototype.optionDescription.call(this, option);
        if (option.mandatory || REQUIRED.has(option)) return `${base} (required)`;
        const other = REQUIRED_WITH.get(option);
        return other ? `${base} (required with ${other})` : base;
      },
    })
    .configureOutput({ outputError: (str, write) => write(`ferry: ${str.replace(/^error: /, '')}`) });
}

/** After every command exists: each usage error points to that command's own --help. */
export function pointToHelp(cmd: Command): void {
  cmd.showHelpAfterError(`See '${commandPath(cmd)} --help'.`);
  for (const sub of cmd.commands) pointToHelp(sub);
}

export function commandPath(cmd: Command | undefined): string {
  const names: string[] = [];
  for (let c: Command | null = cmd ?? null; c; c = c.parent) names.unshift(c.name());
  return names.length > 0 ? names.join(' ') : 'ferry';
}

/**
 * The exit code for what parsing or an action threw, after writing what the user must see:
 * 0 for --help and --version, 2 for a usage error, 1 for the rest.
 */
export function reportError(err: unknown, write: (s: string) => void): number {
  // An action's own check of its flags (commander's parsing never throws this class: it
  // reports through exitOverride with a plain CommanderError, after writing the message).
  if (err instanceof InvalidArgumentError) {
    write(`ferry: ${err.message}\nSee '${commandPath(running)} --help'.\n`);
    return 2;
  }
  if (err instanceof CommanderError) return err.exitCode === 0 ? 0 : 2;
  if (err instanceof UsageError) {
    const code = err.code ? `${err.code}: ` : '';
    write(`ferry: ${code}${err.message}\nSee '${commandPath(err.command ?? running)} --help'.\n`);
    return 2;
  }
  const e = err as { code?: string; message?: string };
  write(`ferry: ${e.code ? `${e.code}: ` : ''}${e.message ?? String(err)}\n`);
  return 1;
}
