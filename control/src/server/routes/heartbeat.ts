// POST /v1/appliances/:id/heartbeat (DESIGN flows 3 and 4): registers unknown appliances,
// records load and state, and applies routes and inventory through the store first, then
// the model. A delta that does not start where control's copy ends asks for a resync.

import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { ErrorBody, Heartbeat, HeartbeatReply } from '@ferry/protocol';
import type { ApplianceRecord } from '../../state/store.js';
import { type ControlContext, KeyedQueue } from '../context.js';
import { ApplianceParams } from '../schemas.js';

// Routes for a full BGP table run to tens of megabytes of JSON.
const HEARTBEAT_BODY_LIMIT = 512 * 1024 * 1024;

export function heartbeatRoutes(ctx: ControlContext): FastifyPluginAsyncTypebox {
  const queue = new KeyedQueue();
  const lastSeq = new Map<string, number>();

  return async (app) => {
    app.post(
      '/v1/appliances/:id/heartbeat',
      {
        bodyLimit: HEARTBEAT_BODY_LIMIT,
        schema: {
          summary: 'Appliance heartbeat: state, load, routes and inventory',
          tags: ['appliances'],
          params: ApplianceParams,
          body: Heartbeat,
          response: { 200: HeartbeatReply, 400: ErrorBody },
        },
      },
      async (req) => queue.run(req.params.id, () => handle(ctx, lastSeq, req.params.id, req.body)),
    );
  };
}

async function handle(
  ctx: ControlContext,
  lastSeq: Map<string, number>,
  id: string,
  hb: Heartbeat,
): Promise<HeartbeatReply> {
  const { store, model, metrics, config } = ctx;
  const now = Date.now();
  const prev = model.getAppliance(id);
  const reply: HeartbeatReply = {
    routesResync: false,
    inventoryResync: false,
    health: prev?.health ?? 'unknown',
    intervalMs: config.heartbeatIntervalMs,
  };
  const held = lastSeq.get(id);
  // seq restarts with the appliance process, which then opens with a full report.
  const restarted = hb.seq === 0 || hb.routes?.kind === 'snapshot' || hb.inventory?.kind === 'full';
  if (held !== undefined && hb.seq <= held && !restarted) {
    metrics.heartbeats.inc({ result: 'stale' });
    return reply;
  }
  lastSeq.set(id, hb.seq);

  const rec: ApplianceRecord = {
    id,
    site: hb.site,
    url: hb.url,
    version: hb.version,
    reportedState: hb.state,
    health: prev?.health ?? 'unknown',
    healthReason: prev?.healthReason ?? 'no checks yet',
    capacityBps: hb.capacity.bitsPerSecond,
    loadBps: hb.load.bitsPerSecond,
    connections: hb.load.connections,
    lastHeartbeatMs: now,
    registeredMs: prev?.registeredMs ?? now,
  };
  await ctx.localWrites.run(`appliance:${id}`, () => store.putAppliance(rec));
  model.setAppliance(rec);
  if (!prev) {
    await store.appendEvent({
      timeMs: now,
      applianceId: id,
      kind: 'registered',
      reason: `${hb.site} ${hb.url}`,
    });
  }

  if (hb.routes) reply.routesResync = !(await applyRoutes(ctx, id, hb.routes));
  if (hb.inventory) reply.inventoryResync = !(await applyInventory(ctx, id, hb.inventory));
  for (const [asked, kind] of [
    [reply.routesResync, 'routes-resync'],
    [reply.inventoryResync, 'inventory-resync'],
  ] as const) {
    if (!asked) continue;
    metrics.heartbeats.inc({ result: kind });
    await store.appendEvent({
      timeMs: now,
      applianceId: id,
      kind,
      reason: 'delta does not follow the held version',
    });
  }
  metrics.heartbeats.inc({ result: 'accepted' });
  ctx.health.noteHeartbeat(id, now);
  reply.health = model.getAppliance(id)?.health ?? rec.health;
  return reply;
}

async function applyRoutes(ctx: ControlContext, id: string, routes: NonNullable<Heartbeat['routes']>) {
  const { store, model } = ctx;
  if (routes.kind === 'snapshot') {
    const set = {
      epoch: routes.epoch,
      version: routes.version,
      prefixes: routes.routes.map((r) => r.prefix),
    };
    await ctx.localWrites.run(`routes:${id}`, () => store.putRoutes(id, set));
    model.setRoutes(id, set);
    return true;
  }
  const delta = {
    epoch: routes.epoch,
    since: routes.since,
    version: routes.version,
    announced: routes.announced.map((r) => r.prefix),
    withdrawn: routes.withdrawn,
  };
  if (!(await ctx.localWrites.run(`routes:${id}`, () => store.applyRoutesDelta(id, delta)))) return false;
  if (!model.applyRoutesDelta(id, delta)) {
    // The store had moved on without us (another instance wrote it): take its copy.
    const fresh = await store.getRoutes(id);
    if (fresh) model.setRoutes(id, fresh);
  }
  return true;
}

async function applyInventory(ctx: ControlContext, id: string, inv: NonNullable<Heartbeat['inventory']>) {
  const { store, model } = ctx;
  if (inv.kind === 'full') {
    const set = { version: inv.version, files: inv.files };
    await ctx.localWrites.run(`inventory:${id}`, () => store.putInventory(id, set));
    model.setInventory(id, set);
    return true;
  }
  const delta = { since: inv.since, version: inv.version, added: inv.added, removed: inv.removed };
  if (!(await ctx.localWrites.run(`inventory:${id}`, () => store.applyInventoryDelta(id, delta)))) {
    return false;
  }
  if (!model.applyInventoryDelta(id, delta)) {
    const fresh = await store.getInventory(id);
    if (fresh) model.setInventory(id, fresh);
  }
  return true;
}
