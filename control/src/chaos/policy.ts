// The chaos schedule's policy file (`--chaos-policy FILE`, docs/chaos.md "Schedule"): scopes
// (a site, or the whole fleet) that each opt in, how often experiments come, which kinds,
// in which UTC hours, for how long, with which params. Checked whole at start: a policy that
// would only fail at 3 a.m. stops control now, with the field that is wrong.
import { readFile } from 'node:fs/promises';
import { CHAOS_KINDS, type ChaosKind, ChaosParams, MAX_EXPERIMENT_SEC } from '@ferry/protocol';
import { type Static, Type } from 'typebox';
import { Value } from 'typebox/value';
import { ConfigError } from '../errors.js';
import { paramsProblem } from './request.js';

const HOURS = '^([01][0-9]|2[0-4])-([01][0-9]|2[0-4])$';

export const ChaosScope = Type.Object(
  {
    /** the site whose appliances it picks from; absent: the whole fleet */
    site: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$' })),
    /** scopes are opt-in: nothing runs unless this is true */
    enabled: Type.Boolean(),
    /** mean time between experiments of this scope */
    meanIntervalSec: Type.Integer({ minimum: 1 }),
    /** never sooner than this after the last */
    minIntervalSec: Type.Integer({ minimum: 0 }),
    kinds: Type.Array(Type.Enum(CHAOS_KINDS), { minItems: 1, maxItems: CHAOS_KINDS.length }),
    /** UTC hours in which experiments may start, e.g. "02-06" (end exclusive; "22-04" wraps) */
    hours: Type.Optional(Type.String({ pattern: HOURS })),
    durationSec: Type.Integer({ minimum: 1, maximum: MAX_EXPERIMENT_SEC }),
    /** params per kind, e.g. { "latency": { "delayMs": 200 } } */
    params: Type.Optional(Type.Record(Type.String(), ChaosParams)),
  },
  { additionalProperties: false },
);
export type ChaosScope = Static<typeof ChaosScope>;

export const ChaosPolicy = Type.Object(
  {
    /** seeds the choice of times and targets, so a run can be repeated; default random */
    seed: Type.Optional(Type.Union([Type.Integer(), Type.String({ maxLength: 128 })])),
    scopes: Type.Array(ChaosScope, { maxItems: 64 }),
  },
  { additionalProperties: false },
);
export type ChaosPolicy = Static<typeof ChaosPolicy>;

/** The parsed policy, or a ConfigError naming the file and the field. */
export function parseChaosPolicy(text: string, source: string): ChaosPolicy {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new ConfigError(`--chaos-policy ${source}: not JSON (${(err as Error).message})`);
  }
  if (!Value.Check(ChaosPolicy, value)) {
    const first = [...Value.Errors(ChaosPolicy, value)][0];
    // An unknown field fails as "schema is false" at its own path: say what that means.
    const why = first?.schemaPath.endsWith('/additionalProperties')
      ? 'is not a field of the policy'
      : first?.message;
    const where = first ? `${first.instancePath || '/'} ${why}` : 'does not match the schema';
    throw new ConfigError(`--chaos-policy ${source}: ${where}`);
  }
  value.scopes.forEach((scope, i) => {
    const problem = scopeProblem(scope);
    if (problem) throw new ConfigError(`--chaos-policy ${source}: /scopes/${i} ${problem}`);
  });
  return value;
}

function scopeProblem(scope: ChaosScope): string | undefined {
  if (scope.minIntervalSec > scope.meanIntervalSec) return 'minIntervalSec exceeds meanIntervalSec';
  if (scope.hours !== undefined) {
    const [from, to] = scope.hours.split('-').map(Number);
    if (from === to) return `hours "${scope.hours}" is an empty window (use "00-24" for all day)`;
  }
  for (const key of Object.keys(scope.params ?? {})) {
    if (!scope.kinds.includes(key as ChaosKind)) return `params.${key} is not one of its kinds`;
  }
  for (const kind of scope.kinds) {
    const problem = paramsProblem(kind, scope.params?.[kind] ?? {}, scope.durationSec);
    if (problem) return `params.${kind}: ${problem}`;
  }
  return undefined;
}

export async function loadChaosPolicy(file: string): Promise<ChaosPolicy> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new ConfigError(`--chaos-policy ${file}: ${(err as NodeJS.ErrnoException).code ?? err}`);
  }
  return parseChaosPolicy(text, file);
}

/** True when `hours` ("HH-HH", UTC, end exclusive, may wrap midnight) lets an experiment start at `nowMs`. */
export function inHours(hours: string | undefined, nowMs: number): boolean {
  if (hours === undefined) return true;
  const [from, to] = hours.split('-').map(Number) as [number, number];
  const h = new Date(nowMs).getUTCHours();
  return from < to ? h >= from && h < to : h >= from || h < to;
}
