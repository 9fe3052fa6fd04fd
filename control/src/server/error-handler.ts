// The one place control's errors become HTTP bodies: { "error": FERRY_ERR_…, "message" }.
// Schema failures, unparsable JSON, unknown routes and thrown ControlErrors all end here, so
// every 4xx a client sees carries a stable code.
import type { FastifyError, FastifyInstance, FastifyReply } from 'fastify';
import { type ErrorSpec, Errors, FerryError } from '../errors.js';

export function sendError(reply: FastifyReply, spec: ErrorSpec, message?: string): FastifyReply {
  return reply.code(spec.status).send({ error: spec.code, message: message ?? spec.message });
}

// fastify's own error codes for request problems, mapped onto the catalogue.
const FASTIFY_CODES: Record<string, ErrorSpec> = {
  FST_ERR_CTP_INVALID_JSON_BODY: Errors.BAD_JSON,
  FST_ERR_CTP_EMPTY_JSON_BODY: Errors.BAD_JSON,
  FST_ERR_CTP_BODY_TOO_LARGE: Errors.BODY_TOO_LARGE,
  FST_ERR_CTP_INVALID_MEDIA_TYPE: Errors.UNSUPPORTED_MEDIA_TYPE,
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: Errors.BAD_REQUEST,
};

export function installErrorHandling(app: FastifyInstance): void {
  // "body/titleId must NOT have fewer than 1 characters": the path names the field.
  app.setSchemaErrorFormatter((errors, dataVar) => {
    const first = errors[0];
    const where = first ? `${dataVar}${first.instancePath || ''}` : dataVar;
    const missing = first?.params && 'missingProperty' in first.params ? first.params['missingProperty'] : '';
    const text = first
      ? `${where}${missing ? `/${String(missing)}` : ''} ${first.message ?? 'is invalid'}`
      : '';
    return new FerryError(Errors.VALIDATION, text, { replaceMessage: true });
  });

  app.setNotFoundHandler((req, reply) => {
    sendError(reply, Errors.NOT_FOUND, `no route for ${req.method} ${req.url.split('?')[0]}`);
  });

  app.setErrorHandler((err: FastifyError | FerryError, req, reply) => {
    if (err instanceof FerryError) {
      // 503 NO_APPLIANCE is an answer, not a fault: it is counted in the steering metric.
      if (err.status === 500) req.log.error({ err }, 'request failed');
      return sendError(reply, { code: err.code, status: err.status, message: err.message });
    }
    const mapped = err.code ? FASTIFY_CODES[err.code] : undefined;
    if (mapped) return sendError(reply, mapped, err.message);
    if (err.validation) return sendError(reply, Errors.VALIDATION, err.message);
    const status = err.statusCode ?? 500;
    if (status >= 400 && status < 500)
      return sendError(reply, { ...Errors.BAD_REQUEST, status }, err.message);
    req.log.error({ err }, 'request failed');
    return sendError(reply, Errors.INTERNAL);
  });
}
