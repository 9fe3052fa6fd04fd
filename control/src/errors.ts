// Control's error catalogue: every failure a client or operator can see has one stable
// code, a message and an HTTP status. HTTP bodies are built from this table in one place
// (server/error-handler.ts) as { "error": code, "message": text }.
import { CommonErrors, defineErrors, FerryError, spec } from '@ferry/protocol';

export { type ErrorSpec, FerryError } from '@ferry/protocol';

export const Errors = defineErrors('control', {
  // Request shape
  VALIDATION: spec('FERRY_ERR_VALIDATION', 400, 'request does not match the schema'),
  BAD_JSON: spec('FERRY_ERR_BAD_JSON', 400, 'request body is not valid JSON'),
  BAD_IP: spec('FERRY_ERR_BAD_IP', 400, 'not an IPv4 or IPv6 address'),
  BAD_REQUEST: CommonErrors.BAD_REQUEST,
  BODY_TOO_LARGE: spec('FERRY_ERR_BODY_TOO_LARGE', 413, 'request body too large'),
  UNSUPPORTED_MEDIA_TYPE: spec('FERRY_ERR_UNSUPPORTED_MEDIA_TYPE', 415, 'body must be application/json'),
  NOT_FOUND: CommonErrors.NOT_FOUND,
  // Registry and catalog
  UNKNOWN_APPLIANCE: spec('FERRY_ERR_UNKNOWN_APPLIANCE', 404, 'no such appliance'),
  UNKNOWN_TITLE: spec('FERRY_ERR_UNKNOWN_TITLE', 404, 'no such title'),
  UNKNOWN_SITE: spec('FERRY_ERR_UNKNOWN_SITE', 404, 'no appliance is registered in this site'),
  CATALOG_INVALID: spec('FERRY_ERR_CATALOG_INVALID', 400, 'catalog is invalid'),
  // Heartbeats
  ROUTES_LIMIT: spec('FERRY_ERR_ROUTES_LIMIT', 413, 'routes exceed --max-routes-per-appliance'),
  // Steering
  NO_APPLIANCE: spec('FERRY_ERR_NO_APPLIANCE', 503, 'no appliance can serve this title'),
  RATE_LIMITED: spec('FERRY_ERR_RATE_LIMITED', 429, 'too many steering requests from this address'),
  // State store
  STORE_UNAVAILABLE: spec(
    'FERRY_ERR_STORE_UNAVAILABLE',
    503,
    'the state store is unreachable; control serves from memory',
  ),
  // Process
  CONFIG: CommonErrors.CONFIG,
  INTERNAL: CommonErrors.INTERNAL,
});

export type ErrorName = keyof typeof Errors;

export class ConfigError extends FerryError {
  constructor(detail: string) {
    super(Errors.CONFIG, detail, { replaceMessage: true });
    this.name = 'ConfigError';
  }
}
