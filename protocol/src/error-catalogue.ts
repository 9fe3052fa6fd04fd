// The one way every Ferry package defines its errors (STYLE: fastify's lib/errors.js): a
// catalogue per concern, each entry a stable `FERRY_ERR_…` code with its message and, where
// a client can see it, its HTTP status. Code throws `FerryError`s built from an entry; HTTP
// bodies are `{ "error": code, "message": text }`, made from the error in one place per
// server. `allCatalogues()` lists every catalogue that has been defined, so a test can
// check that each code is defined once and that the docs' error tables match.

export interface ErrorSpec {
  readonly code: string;
  /** HTTP status when a client can see it; operator-facing errors (CLI, logs) use 500. */
  readonly status: number;
  readonly message: string;
}

export interface Catalogue<T extends Record<string, ErrorSpec>> {
  /** the concern, e.g. 'appliance-http', 'control', 'keys' */
  readonly concern: string;
  readonly errors: T;
}

const registry = new Map<string, Catalogue<Record<string, ErrorSpec>>>();

/** One entry: `spec('FERRY_ERR_BAD_PATH', 400, 'malformed request path')`. */
export function spec<C extends string>(code: C, status: number, message: string): ErrorSpec & { code: C } {
  if (!/^FERRY_ERR_[A-Z0-9_]+$/.test(code))
    throw new Error(`error code ${code} must be FERRY_ERR_[A-Z0-9_]+`);
  return { code, status, message };
}

/**
 * Defines a concern's catalogue and registers it. Defining a second catalogue under the same
 * concern is a programming error; a code defined in two catalogues is caught by the test
 * that reads `allCatalogues()`.
 */
export function defineErrors<T extends Record<string, ErrorSpec>>(concern: string, errors: T): T {
  const prev = registry.get(concern);
  if (prev && prev.errors !== errors) {
    // Module re-evaluation (vitest, tsx) may define the same catalogue again: the same codes
    // are harmless, different ones are two catalogues under one name.
    const same = JSON.stringify(prev.errors) === JSON.stringify(errors);
    if (!same) throw new Error(`error catalogue ${concern} is defined twice`);
  }
  registry.set(concern, { concern, errors });
  return errors;
}

/** Every catalogue defined so far (in the order they were loaded). */
export function allCatalogues(): ReadonlyArray<Catalogue<Record<string, ErrorSpec>>> {
  return [...registry.values()];
}

/** An error that carries its catalogue entry; thrown by code that knows whose fault it is. */
export class FerryError extends Error {
  readonly code: string;
  readonly status: number;

  /**
   * `detail` is added to the entry's message (`message: detail`), or replaces it with
   * `replaceMessage` when the detail says everything (a config error naming the flag).
   */
  constructor(entry: ErrorSpec, detail?: string, options?: { replaceMessage?: boolean; cause?: unknown }) {
    super(
      detail ? (options?.replaceMessage ? detail : `${entry.message}: ${detail}`) : entry.message,
      options?.cause === undefined ? undefined : { cause: options.cause },
    );
    this.name = 'FerryError';
    this.code = entry.code;
    this.status = entry.status;
  }
}

/** True for a FerryError of the given entry (or any FerryError without one). */
export function isFerryError(err: unknown, entry?: ErrorSpec): err is FerryError {
  return err instanceof FerryError && (entry === undefined || err.code === entry.code);
}

/**
 * Codes every server answers with, whatever its concern. Catalogues that need them take the
 * entries by reference (`NOT_FOUND: CommonErrors.NOT_FOUND`), so each is still defined once.
 */
export const CommonErrors = defineErrors('common', {
  BAD_REQUEST: spec('FERRY_ERR_BAD_REQUEST', 400, 'malformed request'),
  NOT_FOUND: spec('FERRY_ERR_NOT_FOUND', 404, 'no such resource'),
  CONFIG: spec('FERRY_ERR_CONFIG', 500, 'invalid configuration'),
  INTERNAL: spec('FERRY_ERR_INTERNAL', 500, 'internal error'),
});
