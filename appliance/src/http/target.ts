// The request target as sent, split into path and query. The path is kept raw (not run
// through WHATWG URL normalisation, which would resolve `..` and `%2e%2e` before
// path.ts could refuse them).
export interface RequestTarget {
  pathname: string;
  query: URLSearchParams;
}

export function splitTarget(raw: string | undefined): RequestTarget | null {
  if (raw?.[0] !== '/') return null;
  const q = raw.indexOf('?');
  const hash = raw.indexOf('#');
  if (hash >= 0) return null;
  return q < 0
    ? { pathname: raw, query: new URLSearchParams() }
    : { pathname: raw.slice(0, q), query: new URLSearchParams(raw.slice(q + 1)) };
}
