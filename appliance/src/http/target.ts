// The request target as sent, split into path and query. The path is kept raw (not run
// through WHATWG URL normalisation, which would resolve `..` and `%2e%2e` before
// path.ts could refuse them).
export interface RequestTarget {
  pathname: string;
  query: URLSearchParams;
}

/** The query is parsed when first asked for: most content requests (--open) never ask. */
class Target implements RequestTarget {
  #query: URLSearchParams | undefined;

  constructor(
    readonly pathname: string,
    private readonly rawQuery: string,
  ) {}

  get query(): URLSearchParams {
    this.#query ??= new URLSearchParams(this.rawQuery);
    return this.#query;
  }
}

export function splitTarget(raw: string | undefined): RequestTarget | null {
  if (raw?.[0] !== '/') return null;
  const q = raw.indexOf('?');
  const hash = raw.indexOf('#');
  if (hash >= 0) return null;
  return q < 0 ? new Target(raw, '') : new Target(raw.slice(0, q), raw.slice(q + 1));
}
