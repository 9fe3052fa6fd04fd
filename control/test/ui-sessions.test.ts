// The dashboard's login on a real control app: a token becomes an HttpOnly, SameSite=Strict
// session cookie; pages redirect without one and the APIs answer 401; a write with a cookie
// needs X-Ferry-CSRF; a session carries only its token's role; logout, a removed token, the
// idle and absolute limits and the session bound all end sessions.
import { readFile, writeFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UiSessions } from '../src/ui/sessions.js';
import { ONE_TITLE_CATALOG, rawCall, startTestControl, type TestControl } from './support/test-control.js';

let t: TestControl;

beforeAll(async () => {
  t = await startTestControl();
});

afterAll(async () => {
  await t?.close();
});

async function login(token: string): Promise<{ cookie: string; csrf: string; setCookie: string }> {
  const res = await fetch(`${t.base}/ui/api/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ token }),
  });
  expect(res.status).toBe(200);
  const setCookie = res.headers.get('set-cookie') ?? '';
  const body = (await res.json()) as { csrf: string };
  return { cookie: setCookie.split(';')[0]!, csrf: body.csrf, setCookie };
}

describe('dashboard login', () => {
  it('sends the login page, and redirects /ui/ there without a session', async () => {
    const page = await fetch(`${t.base}/ui/login`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toContain("default-src 'self'");
    expect(await page.text()).toContain('Operator token');
    const index = await fetch(`${t.base}/ui/`, { redirect: 'manual' });
    expect(index.status).toBe(302);
    expect(index.headers.get('location')).toBe('/ui/login');
    expect((await rawCall(t.base, 'GET', '/ui/api/snapshot')).json.error).toBe('FERRY_ERR_AUTH_REQUIRED');
    expect((await rawCall(t.base, 'GET', '/ui/api/session')).status).toBe(401);
  });

  it('refuses a wrong token and turns a good one into an HttpOnly SameSite=Strict cookie', async () => {
    const bad = await rawCall(t.base, 'POST', '/ui/api/login', { body: JSON.stringify({ token: 'fop_x' }) });
    expect(bad).toMatchObject({ status: 401, json: { error: 'FERRY_ERR_AUTH_BAD_TOKEN' } });
    const s = await login(t.tokens.viewer);
    expect(s.setCookie).toMatch(/^ferry_session=[A-Za-z0-9_-]{43}; /);
    for (const part of ['HttpOnly', 'SameSite=Strict', 'Path=/']) expect(s.setCookie).toContain(part);
    // plain HTTP here: no Secure
    expect(s.setCookie).not.toContain('Secure');
    const session = await rawCall(t.base, 'GET', '/ui/api/session', { headers: { cookie: s.cookie } });
    expect(session.json).toMatchObject({ role: 'viewer', csrf: s.csrf });
    const index = await fetch(`${t.base}/ui/`, { headers: { cookie: s.cookie } });
    expect(index.status).toBe(200);
    expect(await index.text()).toContain('/ui/assets/app.js');
    const js = await fetch(`${t.base}/ui/assets/app.js`);
    expect(js.headers.get('content-type')).toContain('text/javascript');
  });

  it('lets a session read /v1 as its role, and write only with its CSRF token', async () => {
    const viewer = await login(t.tokens.viewer);
    expect(
      (await rawCall(t.base, 'GET', '/v1/appliances', { headers: { cookie: viewer.cookie } })).status,
    ).toBe(200);
    const body = JSON.stringify(ONE_TITLE_CATALOG);
    const asViewer = await rawCall(t.base, 'POST', '/v1/catalog', {
      body,
      headers: { cookie: viewer.cookie, 'x-ferry-csrf': viewer.csrf },
    });
    expect(asViewer.json.error).toBe('FERRY_ERR_AUTH_FORBIDDEN');
    const op = await login(t.tokens.operator);
    const noCsrf = await rawCall(t.base, 'POST', '/v1/catalog', { body, headers: { cookie: op.cookie } });
    expect(noCsrf).toMatchObject({ status: 403, json: { error: 'FERRY_ERR_AUTH_CSRF' } });
    const wrongCsrf = await rawCall(t.base, 'POST', '/v1/catalog', {
      body,
      headers: { cookie: op.cookie, 'x-ferry-csrf': viewer.csrf },
    });
    expect(wrongCsrf.json.error).toBe('FERRY_ERR_AUTH_CSRF');
    expect(await t.store.getCatalog()).toBeUndefined();
    const ok = await rawCall(t.base, 'POST', '/v1/catalog', {
      body,
      headers: { cookie: op.cookie, 'x-ferry-csrf': op.csrf },
    });
    expect(ok).toEqual({ status: 200, json: { titles: 1, streams: 1 } });
  });

  it('ends a session at logout (which needs the CSRF token too)', async () => {
    const s = await login(t.tokens.viewer);
    const noCsrf = await rawCall(t.base, 'POST', '/ui/api/logout', { headers: { cookie: s.cookie } });
    expect(noCsrf.status).toBe(403);
    const out = await fetch(`${t.base}/ui/api/logout`, {
      method: 'POST',
      headers: { cookie: s.cookie, 'x-ferry-csrf': s.csrf },
    });
    expect(out.status).toBe(204);
    expect(out.headers.get('set-cookie')).toContain('Max-Age=0');
    const after = await rawCall(t.base, 'GET', '/v1/appliances', { headers: { cookie: s.cookie } });
    expect(after).toMatchObject({ status: 401, json: { error: 'FERRY_ERR_AUTH_SESSION_ENDED' } });
  });

  it('ends the sessions of a token removed from the token file', async () => {
    const s = await login(t.tokens.operator);
    const text = await readFile(t.tokens.file, 'utf8');
    const id = t.tokens.operator.slice(4, 12);
    await writeFile(
      t.tokens.file,
      text
        .split('\n')
        .filter((l) => !l.startsWith(`${id} `))
        .join('\n'),
    );
    await t.control.access.reload();
    const after = await rawCall(t.base, 'GET', '/v1/appliances', { headers: { cookie: s.cookie } });
    expect(after.json.error).toBe('FERRY_ERR_AUTH_SESSION_ENDED');
    await writeFile(t.tokens.file, text);
    await t.control.access.reload();
  });
});

describe('UiSessions', () => {
  const entry = { id: 'abcdefgh', role: 'viewer' as const, name: 'n', hash: Buffer.alloc(32) };

  it('expires a session idle for an hour, and any session after 12 hours', () => {
    let now = 0;
    const sessions = new UiSessions({ now: () => now });
    const a = sessions.create(entry);
    now = 59 * 60_000;
    expect(sessions.get(a.id)).toBeDefined();
    now += 60 * 60_000;
    expect(sessions.get(a.id)).toBeUndefined();
    const b = sessions.create(entry);
    for (let i = 0; i < 24; i++) {
      now += 30 * 60_000;
      sessions.get(b.id);
    }
    expect(sessions.get(b.id)).toBeUndefined();
  });

  it('keeps at most `max` sessions, the least recently used going first', () => {
    let now = 0;
    const ended: string[] = [];
    const sessions = new UiSessions({ now: () => now, max: 3 });
    sessions.onEnd((id) => ended.push(id));
    const made = [0, 1, 2].map(() => sessions.create(entry));
    now = 1;
    sessions.get(made[0]!.id);
    sessions.create(entry);
    expect(sessions.size).toBe(3);
    expect(ended).toEqual([made[1]!.id]);
  });
});
