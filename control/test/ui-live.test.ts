// The dashboard's reads on a real control app: the live stream (a snapshot at once, then
// every second, closed at logout), the Route Explorer's pages and CSV with a site whose
// appliances heard different prefixes, and "where would this address go".
import { eventually } from '@ferry/harness';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type CountingHealthz,
  ONE_TITLE_CATALOG,
  rawCall,
  startHealthz,
  startTestControl,
  type TestControl,
} from './support/test-control.js';
import { applianceRecord } from './support/test-data.js';

let t: TestControl;
const stubs: CountingHealthz[] = [];
let cookie = '';
let csrf = '';
let beating: NodeJS.Timeout | undefined;

beforeAll(async () => {
  t = await startTestControl();
  const { model } = t.control;
  model.setCatalog(ONE_TITLE_CATALOG as never);
  const layout = [
    ['a1', 'east', ['10.1.0.0/16', '10.2.0.0/16', '10.3.0.0/24']],
    ['a2', 'east', ['10.1.0.0/16', '10.2.0.0/16']],
    ['b1', 'west', ['10.9.0.0/16']],
  ] as const;
  for (const [id, site, prefixes] of layout) {
    const stub = await startHealthz();
    stubs.push(stub);
    model.setAppliance({
      ...applianceRecord(id, Date.now(), stub.url),
      site,
      capacityBps: 1e10,
      loadBps: 2e9,
    });
    await model.setRoutes(id, { epoch: 'e', version: 1, prefixes: [...prefixes] });
  }
  model.setInventory('a1', { version: 1, files: ['t1-v1'] });
  // Heartbeats, as the appliances would send them: a record silent for 2.5 s counts as down
  // (and must then earn 3 good probes again), and this file outlasts that.
  beating = setInterval(() => {
    for (const rec of model.listAppliances()) model.setAppliance({ ...rec, lastHeartbeatMs: Date.now() });
  }, 500);
  // Control probes them itself: steering ranks on its verdicts. The records start out
  // `healthy`, so wait for the monitor's own verdict (3 good probes), not the seeded one.
  await eventually(
    () => {
      for (const a of model.listAppliances()) {
        expect(a.health).toBe('healthy');
        expect(a.healthReason).toMatch(/good probes in a row/);
      }
    },
    { timeoutMs: 10_000 },
  );
  const res = await fetch(`${t.base}/ui/api/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ token: t.tokens.viewer }),
  });
  cookie = (res.headers.get('set-cookie') ?? '').split(';')[0]!;
  csrf = ((await res.json()) as { csrf: string }).csrf;
});

afterAll(async () => {
  clearInterval(beating);
  await t?.close();
  for (const s of stubs) await s.stop();
});

const get = (path: string) => rawCall(t.base, 'GET', path, { headers: { cookie } });

/** Reads `n` SSE events from the stream, or fewer if it ends first (bounded by time). */
async function readEvents(res: Response, n: number, timeoutMs = 10_000) {
  const reader = res.body!.getReader();
  const events: { event: string; data: string }[] = [];
  let buf = '';
  const deadline = Date.now() + timeoutMs;
  while (events.length < n && Date.now() < deadline) {
    const r = await Promise.race([
      reader.read(),
      new Promise<{ done: true; value: undefined }>((ok) =>
        setTimeout(() => ok({ done: true, value: undefined }), deadline - Date.now()),
      ),
    ]);
    if (r.done) return { events, ended: true, reader };
    buf += new TextDecoder().decode(r.value);
    let i = buf.indexOf('\n\n');
    while (i >= 0) {
      const block = buf.slice(0, i);
      buf = buf.slice(i + 2);
      const event = /^event: (.*)$/m.exec(block)?.[1];
      const data = /^data: (.*)$/m.exec(block)?.[1];
      if (event && data) events.push({ event, data });
      i = buf.indexOf('\n\n');
    }
  }
  return { events, ended: false, reader };
}

describe('dashboard reads', () => {
  it('streams a snapshot at once and then every second, with counts, sites and actionable items', async () => {
    const started = Date.now();
    const res = await fetch(`${t.base}/ui/api/stream`, { headers: { cookie } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/event-stream');
    const { events, reader } = await readEvents(res, 3);
    await reader.cancel();
    expect(events.map((e) => e.event)).toEqual(['snapshot', 'snapshot', 'snapshot']);
    // three snapshots: one at once, two at the next seconds (generous on a busy machine)
    expect(Date.now() - started).toBeLessThan(8000);
    const snap = JSON.parse(events[2]!.data);
    expect(snap.counts.total).toBe(3);
    expect(snap.appliances.map((a: { id: string }) => a.id)).toEqual(['a1', 'a2', 'b1']);
    expect(snap.sites).toContainEqual(
      expect.objectContaining({ site: 'east', consistent: false, inconsistent: 1 }),
    );
    const routes = snap.actions.find((a: { kind: string }) => a.kind === 'routes');
    expect(routes.text).toContain('site east inconsistent: 1 prefix');
    expect(routes.text).toContain('10.3.0.0/24 missing from a2');
  });

  it('closes the stream when its session ends', async () => {
    const res = await fetch(`${t.base}/ui/api/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ token: t.tokens.viewer }),
    });
    const own = (res.headers.get('set-cookie') ?? '').split(';')[0]!;
    const ownCsrf = ((await res.json()) as { csrf: string }).csrf;
    const stream = await fetch(`${t.base}/ui/api/stream`, { headers: { cookie: own } });
    const first = await readEvents(stream, 1);
    expect(first.events.length).toBeGreaterThanOrEqual(1);
    first.reader.releaseLock();
    await fetch(`${t.base}/ui/api/logout`, {
      method: 'POST',
      headers: { cookie: own, 'x-ferry-csrf': ownCsrf },
    });
    const rest = await readEvents(stream, 100, 5000);
    expect(rest.ended).toBe(true);
  });

  it('pages the prefixes of a site with who heard them, and filters the inconsistent ones', async () => {
    const all = await get('/ui/api/routes?site=east&limit=2');
    expect(all.json).toMatchObject({ site: 'east', total: 3, offset: 0, appliances: ['a1', 'a2'] });
    expect(all.json.rows.map((r: { prefix: string }) => r.prefix)).toEqual(['10.1.0.0/16', '10.2.0.0/16']);
    const next = await get('/ui/api/routes?site=east&limit=2&offset=2');
    expect(next.json.rows).toEqual([
      { site: 'east', prefix: '10.3.0.0/24', heardBy: ['a1'], missingFrom: ['a2'] },
    ]);
    const bad = await get('/ui/api/routes?site=east&inconsistent=true');
    expect(bad.json.total).toBe(1);
    expect((await get('/ui/api/routes?appliance=b1')).json.rows).toHaveLength(1);
    expect((await get('/ui/api/routes?site=nowhere')).json.error).toBe('FERRY_ERR_UNKNOWN_SITE');
  });

  it('exports the rows as a CSV attachment', async () => {
    const res = await fetch(`${t.base}/ui/api/routes.csv?site=east`, { headers: { cookie } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/csv');
    expect(res.headers.get('content-disposition')).toBe('attachment; filename="ferry-routes-east.csv"');
    expect((await res.text()).split('\r\n')).toEqual([
      'site,prefix,heard_by,missing_from,consistent',
      'east,10.1.0.0/16,a1 a2,,yes',
      'east,10.2.0.0/16,a1 a2,,yes',
      'east,10.3.0.0/24,a1,a2,no',
      '',
    ]);
    const none = await fetch(`${t.base}/ui/api/routes.csv?site=east`);
    expect(none.status).toBe(401);
  });

  it('says where an address would go without counting a decision', async () => {
    const before = (await t.control.metrics.steering.get()).values.reduce((n, v) => n + v.value, 0);
    const any = await get('/ui/api/where?ip=10.3.0.7');
    expect(any.json).toMatchObject({ ip: '10.3.0.7', clientPrefix: '10.3.0.0/24', titleId: null });
    expect(any.json.streams[0], JSON.stringify(any.json)).toMatchObject({ decision: 'local-hit' });
    expect(any.json.streams[0].ranked[0]).toMatchObject({ applianceId: 'a1', prefix: '10.3.0.0/24' });
    const titled = await get('/ui/api/where?ip=10.9.0.1&title=t1');
    expect(titled.json.streams[0].streamId).toBe('t1-v1');
    expect(titled.json.streams[0].decision).not.toBe('local-hit');
    expect((await get('/ui/api/where?ip=nope')).json.error).toBe('FERRY_ERR_BAD_IP');
    expect((await get('/ui/api/where?ip=10.1.0.1&title=ghost')).json.error).toBe('FERRY_ERR_UNKNOWN_TITLE');
    const after = (await t.control.metrics.steering.get()).values.reduce((n, v) => n + v.value, 0);
    expect(after).toBe(before);
    expect(csrf).not.toBe('');
  });
});
