// Which load runs count, for every benchmark that drives a server with autocannon or wrk:
// a run with non-2xx answers or more than 0.1 % socket errors measured something else (a
// broken server, an exhausted client), so it is excluded from the medians and named in the
// report's notes.

export interface RunCounts {
  readonly requests: number;
  readonly non2xx: number;
  readonly errors: number;
}

export function isValidRun<R extends RunCounts>(r: R | null): r is R {
  return r !== null && r.requests > 0 && r.non2xx === 0 && r.errors <= r.requests * 0.001;
}

export interface RunSample {
  readonly round: number;
  readonly result: RunCounts | null;
  readonly error?: string;
}

/** One note per excluded run: `excluded: round N, LABEL: why`. */
export function invalidRunNotes<S extends RunSample>(
  samples: readonly S[],
  label: (s: S) => string,
): string[] {
  return samples
    .filter((s) => !isValidRun(s.result))
    .map((s) => {
      const what = s.error
        ? s.error.split('\n')[0]
        : s.result
          ? `${s.result.non2xx} non-2xx, ${s.result.errors} errors in ${s.result.requests} requests`
          : 'no result';
      return `excluded: round ${s.round}, ${label(s)}: ${what}`;
    });
}
