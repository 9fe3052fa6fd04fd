// Chaos (DESIGN flow 6): the experiments an operator asks control for, and the orders control
// hands an appliance in its heartbeat reply. Control decides; the appliance's agent executes,
// reverts when a fault's time is up, and reverts everything when control has been silent for
// longer than the orders' lease, so a fault never outlives the control that set it.
//
// Orders are signed with control's chaos key (Ed25519, `ferry control --chaos-key`); an
// appliance runs them only with `--chaos on` and control's public key (`--chaos-verify-key`).
// The signature covers the exact payload text, which names the appliance and its boot and
// carries the time it was issued: a copy is useless to another appliance, to a restarted one,
// or after the clock-skew window (docs/chaos.md).
import { type KeyObject, sign, verify } from 'node:crypto';
import { type Static, Type } from 'typebox';
import { Value } from 'typebox/value';
import { decodeBase64UrlStrict } from './keys.js';
import { DEFAULT_SKEW_MS } from './request-signing.js';

/** What an appliance executes. */
export const FAULT_KINDS = ['kill', 'latency', 'throttle', 'errors', 'disk', 'bgp-flap', 'isolate'] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];
/** What an operator can ask for: the faults, and a whole site at once (Chaos Gorilla). */
export const CHAOS_KINDS = [...FAULT_KINDS, 'site-outage'] as const;
export type ChaosKind = (typeof CHAOS_KINDS)[number];

// Spelled out: a Union built from a mapped array loses its literal types.
const FaultKindSchema = Type.Union([
  Type.Literal('kill'),
  Type.Literal('latency'),
  Type.Literal('throttle'),
  Type.Literal('errors'),
  Type.Literal('disk'),
  Type.Literal('bgp-flap'),
  Type.Literal('isolate'),
]);
const ChaosKindSchema = Type.Union([...FaultKindSchema.anyOf, Type.Literal('site-outage')]);

/**
 * An appliance killed by chaos exits with this code, so a supervisor can tell it from a crash
 * (systemd: `RestartForceExitStatus=86`).
 */
export const CHAOS_KILL_EXIT_CODE = 86;

/** Longest experiment: an hour. A fault meant to last longer is an outage, not a test. */
export const MAX_EXPERIMENT_SEC = 3600;

const Fraction = Type.Number({ minimum: 0, maximum: 1 });

/**
 * Parameters, one object for every kind; which fields a kind reads (and requires) is in
 * `checkFaultParams`. Unknown fields are refused.
 */
export const ChaosParams = Type.Object(
  {
    /** latency: added before the first byte of a response */
    delayMs: Type.Optional(Type.Integer({ minimum: 0, maximum: 60_000 })),
    /** latency: the delay is delayMs ± up to jitterMs, uniformly */
    jitterMs: Type.Optional(Type.Integer({ minimum: 0, maximum: 60_000 })),
    /** latency, errors: the share of requests affected (latency default 1) */
    fraction: Type.Optional(Fraction),
    /** throttle: cap on the whole appliance's send rate */
    bytesPerSec: Type.Optional(Type.Integer({ minimum: 1024 })),
    /** throttle: cap on each connection's send rate */
    perConnectionBytesPerSec: Type.Optional(Type.Integer({ minimum: 1024 })),
    /** errors: a 503 before anything is sent, or a connection reset half-way through the body */
    mode: Type.Optional(Type.Union([Type.Literal('503'), Type.Literal('reset')])),
    /** disk: the store disk (its id, as in /v1/status) to fail; default the first healthy one */
    disk: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
    /** bgp-flap: seconds the session stays down before it may come back; default the whole
     * duration (held down) */
    downSec: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_EXPERIMENT_SEC })),
    /** site-outage: what every appliance of the site suffers (default kill) */
    as: Type.Optional(FaultKindSchema),
  },
  { additionalProperties: false },
);
export type ChaosParams = Static<typeof ChaosParams>;

/** A refusal of a fault's parameters, in words; null when they are fine. */
export function checkFaultParams(kind: FaultKind, p: ChaosParams): string | null {
  switch (kind) {
    case 'latency':
      if (p.delayMs === undefined) return 'latency needs delayMs';
      if ((p.jitterMs ?? 0) > p.delayMs) return 'jitterMs may not exceed delayMs';
      return null;
    case 'throttle':
      if (p.bytesPerSec === undefined && p.perConnectionBytesPerSec === undefined)
        return 'throttle needs bytesPerSec or perConnectionBytesPerSec';
      return null;
    case 'errors':
      if (p.fraction === undefined) return 'errors needs fraction';
      return null;
    default:
      return null;
  }
}

/** One fault as an appliance receives it. */
export const ChaosFault = Type.Object({
  experimentId: Type.String({ pattern: '^[A-Za-z0-9_-]{1,64}$' }),
  kind: FaultKindSchema,
  params: ChaosParams,
  /** how much longer the fault lasts, from the time the orders were issued */
  remainingMs: Type.Integer({ minimum: 0, maximum: MAX_EXPERIMENT_SEC * 1000 }),
});
export type ChaosFault = Static<typeof ChaosFault>;

/**
 * Every fault control wants on one appliance now. A fault the appliance runs and the orders
 * no longer list is reverted at once (an abort); a fault listed again keeps running.
 */
export const ChaosOrders = Type.Object({
  v: Type.Literal(1),
  applianceId: Type.String({ minLength: 1, maxLength: 64 }),
  /** the appliance boot the orders are for: a restarted appliance starts clean */
  boot: Type.String({ pattern: '^[A-Za-z0-9_-]{16}$' }),
  issuedAtMs: Type.Integer({ minimum: 0 }),
  /** without newer orders for this long, the appliance reverts every fault */
  leaseMs: Type.Integer({ minimum: 1000, maximum: 600_000 }),
  faults: Type.Array(ChaosFault, { maxItems: 16 }),
});
export type ChaosOrders = Static<typeof ChaosOrders>;

/** On the wire, in HeartbeatReply.chaos: the payload text and control's signature over it. */
export const SignedChaosOrders = Type.Object({
  payload: Type.String({ maxLength: 16_384 }),
  sig: Type.String({ pattern: '^[A-Za-z0-9_-]{86}$' }),
});
export type SignedChaosOrders = Static<typeof SignedChaosOrders>;

/** What an appliance tells control about chaos in each heartbeat. */
export const ChaosReport = Type.Object({
  /** 'off': the appliance refuses every order (`--chaos off`, the default) */
  mode: Type.Union([Type.Literal('on'), Type.Literal('off')]),
  /** faults running now */
  active: Type.Array(
    Type.Object({ experimentId: Type.String({ maxLength: 64 }), kind: Type.String({ maxLength: 16 }) }),
    { maxItems: 16 },
  ),
  /** the last orders refused and why (bad signature, chaos off, stale, …) */
  lastRefusal: Type.Optional(Type.String({ maxLength: 256 })),
});
export type ChaosReport = Static<typeof ChaosReport>;

const ORDERS_CONTEXT = 'FERRY-CHAOS-V1\n';

export function signChaosOrders(orders: ChaosOrders, key: KeyObject): SignedChaosOrders {
  const payload = JSON.stringify(orders);
  const sig = sign(null, Buffer.from(ORDERS_CONTEXT + payload, 'utf8'), key).toString('base64url');
  return { payload, sig };
}

export type OrdersRefusal =
  | 'BAD_SIGNATURE'
  | 'MALFORMED'
  | 'WRONG_APPLIANCE'
  | 'WRONG_BOOT'
  | 'CLOCK_SKEW'
  | 'REPLAYED';

export type OrdersCheck =
  | { readonly ok: true; readonly orders: ChaosOrders }
  | { readonly ok: false; readonly reason: OrdersRefusal; readonly detail: string };

export interface VerifyOrdersInput {
  signed: SignedChaosOrders;
  /** control's chaos public key(s): two during a rotation */
  keys: readonly KeyObject[];
  applianceId: string;
  boot: string;
  nowMs: number;
  /** issuedAtMs of the last orders accepted: anything not newer is a replay */
  lastIssuedAtMs: number;
  skewMs?: number;
}

/** Signature first, then the payload's shape, then whom and when it is for. */
export function verifyChaosOrders(input: VerifyOrdersInput): OrdersCheck {
  const sig = decodeBase64UrlStrict(input.signed.sig);
  const data = Buffer.from(ORDERS_CONTEXT + input.signed.payload, 'utf8');
  if (sig?.length !== 64 || !input.keys.some((k) => verify(null, data, k, sig))) {
    return { ok: false, reason: 'BAD_SIGNATURE', detail: "not signed by control's chaos key" };
  }
  let orders: unknown;
  try {
    orders = JSON.parse(input.signed.payload);
  } catch {
    return { ok: false, reason: 'MALFORMED', detail: 'payload is not JSON' };
  }
  if (!Value.Check(ChaosOrders, orders)) return { ok: false, reason: 'MALFORMED', detail: 'not ChaosOrders' };
  if (orders.applianceId !== input.applianceId)
    return { ok: false, reason: 'WRONG_APPLIANCE', detail: `orders are for ${orders.applianceId}` };
  if (orders.boot !== input.boot)
    return { ok: false, reason: 'WRONG_BOOT', detail: 'orders are for another boot of this appliance' };
  const skew = input.skewMs ?? DEFAULT_SKEW_MS;
  if (Math.abs(input.nowMs - orders.issuedAtMs) > skew)
    return { ok: false, reason: 'CLOCK_SKEW', detail: `issued ${input.nowMs - orders.issuedAtMs} ms ago` };
  if (orders.issuedAtMs <= input.lastIssuedAtMs)
    return { ok: false, reason: 'REPLAYED', detail: 'not newer than the last orders accepted' };
  for (const f of orders.faults) {
    const bad = checkFaultParams(f.kind, f.params);
    if (bad) return { ok: false, reason: 'MALFORMED', detail: `${f.experimentId}: ${bad}` };
  }
  return { ok: true, orders };
}

// ---- the operator's API: POST/GET/DELETE /v1/chaos/experiments ----

export const ChaosTarget = Type.Object(
  {
    appliance: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
    site: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
  },
  { additionalProperties: false },
);
export type ChaosTarget = Static<typeof ChaosTarget>;

export const ChaosExperimentRequest = Type.Object(
  {
    kind: ChaosKindSchema,
    /** an appliance, or for site-outage a site */
    target: ChaosTarget,
    durationSec: Type.Integer({ minimum: 1, maximum: MAX_EXPERIMENT_SEC }),
    /** wall-clock ms; default now */
    startAtMs: Type.Optional(Type.Integer({ minimum: 0 })),
    params: Type.Optional(ChaosParams),
    /** a note for the event log */
    reason: Type.Optional(Type.String({ maxLength: 256 })),
  },
  { additionalProperties: false },
);
export type ChaosExperimentRequest = Static<typeof ChaosExperimentRequest>;

export const ExperimentState = Type.Union([
  Type.Literal('planned'),
  Type.Literal('running'),
  Type.Literal('ended'),
  Type.Literal('aborted'),
  Type.Literal('refused'),
]);
export type ExperimentState = Static<typeof ExperimentState>;

export const ChaosExperiment = Type.Object({
  id: Type.String(),
  kind: ChaosKindSchema,
  target: ChaosTarget,
  /** the appliances it acts on, resolved when it was accepted */
  appliances: Type.Array(Type.String()),
  params: ChaosParams,
  durationSec: Type.Integer(),
  state: ExperimentState,
  /** 'operator' (the API) or 'schedule' (the chaos policy) */
  source: Type.Union([Type.Literal('operator'), Type.Literal('schedule')]),
  /** the operator token's name, or 'schedule' */
  createdBy: Type.String(),
  createdAtMs: Type.Integer(),
  startAtMs: Type.Integer(),
  endsAtMs: Type.Integer(),
  startedAtMs: Type.Optional(Type.Integer()),
  /** when it ended, was aborted, or was refused */
  endedAtMs: Type.Optional(Type.Integer()),
  /** refused: the safety rule, and its words */
  refusal: Type.Optional(Type.Object({ rule: Type.String(), message: Type.String() })),
  /** aborted: why (an operator's DELETE, or an abort condition) */
  abortReason: Type.Optional(Type.String()),
  /** per target appliance: when it reported the fault running, and when no longer */
  applied: Type.Optional(
    Type.Record(
      Type.String(),
      Type.Object({ sinceMs: Type.Optional(Type.Integer()), revertedAtMs: Type.Optional(Type.Integer()) }),
    ),
  ),
  reason: Type.Optional(Type.String()),
});
export type ChaosExperiment = Static<typeof ChaosExperiment>;

export const ChaosExperimentList = Type.Object({ experiments: Type.Array(ChaosExperiment) });
export type ChaosExperimentList = Static<typeof ChaosExperimentList>;
