// Control's error catalogue: every failure a client or operator can see has one stable
// code, a message and an HTTP status. HTTP bodies are built from this table in one place
// (server/error-handler.ts) as { "error": code, "message": text }.

export interface ErrorSpec {
  readonly code: string;
  readonly status: number;
  readonly message: string;
}

function spec(code: string, status: number, message: string): ErrorSpec {
  return { code, status, message };
}

export const Errors = {
  // Request shape
  VALIDATION: spec('FERRY_ERR_VALIDATION', 400, 'request does not match the schema'),
  BAD_JSON: spec('FERRY_ERR_BAD_JSON', 400, 'request body is not valid JSON'),
  BAD_IP: spec('FERRY_ERR_BAD_IP', 400, 'not an IPv4 or IPv6 address'),
  BAD_REQUEST: spec('FERRY_ERR_BAD_REQUEST', 400, 'malformed request'),
  BODY_TOO_LARGE: spec('FERRY_ERR_BODY_TOO_LARGE', 413, 'request body too large'),
  UNSUPPORTED_MEDIA_TYPE: spec('FERRY_ERR_UNSUPPORTED_MEDIA_TYPE', 415, 'body must be application/json'),
  NOT_FOUND: spec('FERRY_ERR_NOT_FOUND', 404, 'no such route'),
  // Registry and catalog
  UNKNOWN_APPLIANCE: spec('FERRY_ERR_UNKNOWN_APPLIANCE', 404, 'no such appliance'),
  UNKNOWN_TITLE: spec('FERRY_ERR_UNKNOWN_TITLE', 404, 'no such title'),
  UNKNOWN_SITE: spec('FERRY_ERR_UNKNOWN_SITE', 404, 'no appliance is registered in this site'),
  CATALOG_INVALID: spec('FERRY_ERR_CATALOG_INVALID', 400, 'catalog is invalid'),
  // Steering
  NO_APPLIANCE: spec('FERRY_ERR_NO_APPLIANCE', 503, 'no appliance can serve this title'),
  // Process
  CONFIG: spec('FERRY_ERR_CONFIG', 500, 'invalid configuration'),
  INTERNAL: spec('FERRY_ERR_INTERNAL', 500, 'internal error'),
} as const;

export type ErrorName = keyof typeof Errors;

/** An error that carries its catalogue entry, thrown by code that knows whose fault it is. */
export class ControlError extends Error {
  readonly code: string;
  readonly status: number;

  constructor(spec: ErrorSpec, detail?: string, options?: { replaceMessage?: boolean }) {
    super(detail ? (options?.replaceMessage ? detail : `${spec.message}: ${detail}`) : spec.message);
    this.name = 'ControlError';
    this.code = spec.code;
    this.status = spec.status;
  }
}

export class ConfigError extends ControlError {
  constructor(detail: string) {
    super(Errors.CONFIG, detail, { replaceMessage: true });
    this.name = 'ConfigError';
  }
}
