// `--config FILE` and `--print-config` of the long-running servers (`ferry appliance`,
// `ferry control`): a JSON object keyed by the long flag names without their dashes, each
// value run through the flag's own parser, under whatever the command line says. Commander
// checks mandatory options before any hook runs, so those commands mark their required flags
// here instead and this file checks them once the file is merged (docs/cli.md).
import { readFile } from 'node:fs/promises';
import { type Command, InvalidArgumentError, type Option, Option as OptionClass } from 'commander';
import { collect } from './parse.js';
import { UsageError } from './usage.js';

/** Options required on the command line or in the config file (marked in --help). */
export const REQUIRED = new WeakSet<Option>();

type Values = Record<string, unknown>;

interface Recorded {
  /** what the command line said, per attribute: the raw strings, so --print-config can echo them */
  raw: Map<string, string[]>;
  /** repeatable flags: a list in the file */
  repeatable: Set<string>;
  /** each flag's own parser (the command's now records the raw text first) */
  parsers: Map<string, (value: string, previous: unknown) => unknown>;
}

const recorded = new WeakMap<Command, Recorded>();

/**
 * Adds --config and --print-config to `cmd` (after its other options), takes over its
 * mandatory options, and records each flag's raw text. Call once all options are defined.
 */
export function withConfigFile(cmd: Command): Command {
  const rec: Recorded = { raw: new Map(), repeatable: new Set(), parsers: new Map() };
  recorded.set(cmd, rec);
  for (const o of cmd.options) {
    if (o.mandatory) {
      o.makeOptionMandatory(false);
      REQUIRED.add(o);
    }
    const attr = o.attributeName();
    const parse = o.parseArg;
    if (parse === collect) rec.repeatable.add(attr);
    if (parse) rec.parsers.set(attr, parse as (value: string, previous: unknown) => unknown);
    // Every value given on the command line passes through here first (booleans have no text).
    o.argParser((value: string, previous: unknown) => {
      // A flag without a value (--open) is called with undefined: its value is what it sets.
      if (typeof value === 'string') {
        rec.raw.set(attr, parse === collect ? [...(rec.raw.get(attr) ?? []), value] : [value]);
      }
      return parse ? parse(value, previous as never) : value;
    });
  }
  cmd.addOption(
    new OptionClass(
      '--config <file>',
      'settings from a JSON file: long flag names without the dashes as keys; flags given here override it (docs/cli.md)',
    ),
  );
  cmd.addOption(
    new OptionClass('--print-config', 'print the merged settings as a config file (JSON) and exit'),
  );
  return cmd;
}

/** The settings' sources that a config file may override. */
const OWN = new Set(['config', 'printConfig']);

export interface Merged {
  /** the flags as the action wants them: the file's values under the command line's */
  values: Values;
  /** the same as a config file (for --print-config) */
  asFile: Values;
  /** re-reads the config file and merges it again under the same command line (SIGHUP) */
  reread(): Promise<Values>;
}

/** Reads --config (if given), merges, and checks the required options. */
export async function mergeConfig(cmd: Command): Promise<Merged> {
  const file = cmd.getOptionValue('config') as string | undefined;
  const cli: Values = {};
  for (const o of settable(cmd)) {
    const attr = o.attributeName();
    if (cmd.getOptionValueSource(attr) === 'cli') cli[attr] = cmd.getOptionValue(attr);
  }
  const build = async (): Promise<{ values: Values; fromFile: Values }> => {
    const json = file === undefined ? {} : await readJsonObject(file);
    const fromFile = parseFile(cmd, file ?? '', json);
    const values: Values = {};
    for (const o of settable(cmd)) {
      const attr = o.attributeName();
      const v = attr in cli ? cli[attr] : attr in fromFile ? fromFile[attr] : o.defaultValue;
      if (v !== undefined) values[attr] = v;
    }
    for (const o of settable(cmd)) {
      if (REQUIRED.has(o) && values[o.attributeName()] === undefined) {
        throw new UsageError(
          cmd,
          `required option '${o.flags}' not specified${file ? ` (on the command line or in ${file})` : ''}`,
        );
      }
    }
    return { values, fromFile: json };
  };
  const first = await build();
  return {
    values: first.values,
    asFile: asConfigFile(cmd, first.values, first.fromFile),
    reread: async () => (await build()).values,
  };
}

function settable(cmd: Command): Option[] {
  return cmd.options.filter((o) => !OWN.has(o.attributeName()) && o.long !== undefined);
}

async function readJsonObject(file: string): Promise<Values> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new UsageError(undefined, `--config ${file}: ${(err as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new UsageError(undefined, `${file}: not JSON: ${(err as Error).message}`);
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new UsageError(
      undefined,
      `${file}: must hold a JSON object of settings, e.g. {"listen": "0.0.0.0:80"}`,
    );
  }
  return json as Values;
}

/** The file's values, each through its flag's parser, by attribute name. */
function parseFile(cmd: Command, file: string, json: Values): Values {
  const out: Values = {};
  for (const [key, value] of Object.entries(json)) {
    const o = cmd.options.find((x) => x.long === `--${key}`);
    const fail = (why: string) => new UsageError(cmd, `${file}: "${key}": ${why}`);
    if (!o || OWN.has(o.attributeName()) || o.negate) throw fail(`not a setting of '${cmd.name()}'`);
    if (o.isBoolean()) {
      if (typeof value !== 'boolean') throw fail('must be true or false');
      out[o.attributeName()] = value;
      continue;
    }
    const rec = recorded.get(cmd);
    const repeatable = rec?.repeatable.has(o.attributeName()) ?? false;
    const parse = rec?.parsers.get(o.attributeName());
    const items = Array.isArray(value) ? value : [value];
    if (Array.isArray(value) && !repeatable) throw fail('takes one value, not a list');
    let parsed: unknown;
    for (const item of items) {
      if (typeof item !== 'string' && typeof item !== 'number') {
        throw fail(
          repeatable ? 'must be a string, a number or a list of them' : 'must be a string or a number',
        );
      }
      if (o.argChoices && !o.argChoices.includes(String(item))) {
        throw fail(`${JSON.stringify(item)} is not one of ${o.argChoices.join(', ')}`);
      }
      try {
        parsed = parse ? parse(String(item), parsed) : String(item);
      } catch (err) {
        if (err instanceof InvalidArgumentError) throw fail(err.message);
        throw err;
      }
    }
    if (parsed !== undefined) out[o.attributeName()] = parsed;
  }
  return out;
}

/** The merged settings keyed by flag name, values as they were written (a valid config file). */
function asConfigFile(cmd: Command, values: Values, fromFile: Values): Values {
  const rec = recorded.get(cmd);
  const out: Values = {};
  for (const o of settable(cmd)) {
    const attr = o.attributeName();
    const key = o.long!.slice(2);
    const v = values[attr];
    if (v === undefined) continue;
    const source = cmd.getOptionValueSource(attr);
    if (source === 'cli' && rec?.raw.has(attr)) {
      // A number stays a number when it was written as one (`8`), text otherwise (`2500Mb/s`).
      const asWritten = (text: string) => (String(Number(text)) === text ? Number(text) : text);
      const raw = rec.raw
        .get(attr)!
        .map((t) => (typeof v === 'number' || isNumberList(v) ? asWritten(t) : t));
      out[key] = Array.isArray(v) ? raw : raw[raw.length - 1];
    } else if (source === 'cli') out[key] = v;
    else if (key in fromFile) out[key] = fromFile[key];
    else if (typeof v === 'object' && !Array.isArray(v)) out[key] = o.defaultValueDescription ?? v;
    else out[key] = v;
  }
  return out;
}

function isNumberList(v: unknown): boolean {
  return Array.isArray(v) && v.every((x) => typeof x === 'number');
}
