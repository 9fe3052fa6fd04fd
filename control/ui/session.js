// Login, logout and every call to control from the page. Writes carry the session's CSRF
// token (X-Ferry-CSRF); a 401 means the session ended: back to the login page.

let csrf = '';

/** The `#token=…` of the address, removed from the address bar at once (history.replaceState). */
export function tokenFromFragment() {
  const m = /(?:^#|&)token=([^&]+)/.exec(location.hash);
  if (!m) return undefined;
  history.replaceState(null, '', location.pathname + location.search);
  return decodeURIComponent(m[1]);
}

export async function logIn(token) {
  const res = await fetch('/ui/api/login', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ token: token.trim() }),
    credentials: 'same-origin',
  });
  const body = await res.json().catch(() => ({}));
  if (!res.ok) throw new Error(`${body.error ?? res.status}: ${body.message ?? 'login failed'}`);
  csrf = body.csrf;
  return body;
}

export async function loadSession() {
  const res = await fetch('/ui/api/session', { credentials: 'same-origin' });
  if (res.status === 401) {
    location.replace('/ui/login');
    throw new Error('not logged in');
  }
  const body = await res.json();
  csrf = body.csrf;
  return body;
}

export async function logOut() {
  await fetch('/ui/api/logout', {
    method: 'POST',
    headers: { 'x-ferry-csrf': csrf },
    credentials: 'same-origin',
  });
  location.replace('/ui/login');
}

export class ApiError extends Error {
  constructor(status, code, message) {
    super(`${code}: ${message}`);
    this.status = status;
    this.code = code;
  }
}

/** A call to control: JSON in and out; throws ApiError with control's { error, message }. */
export async function api(method, path, body) {
  const headers = {};
  if (method !== 'GET') headers['x-ferry-csrf'] = csrf;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(path, {
    method,
    headers,
    credentials: 'same-origin',
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  if (res.status === 401) {
    location.replace('/ui/login');
    throw new ApiError(401, 'FERRY_ERR_AUTH_SESSION_ENDED', 'session ended');
  }
  if (res.status === 204) return undefined;
  const answer = await res.json().catch(() => ({}));
  if (!res.ok)
    throw new ApiError(res.status, answer.error ?? String(res.status), answer.message ?? res.statusText);
  return answer;
}
