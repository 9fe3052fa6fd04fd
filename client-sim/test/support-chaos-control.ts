// Control's `GET /v1/chaos/experiments` as a stand-in answers it: a Bearer token of a known
// role gets the list, a missing or unknown one 401, a role below viewer 403, each with
// control's `{ error, message }` body. Every Authorization header it saw is kept.
import type { IncomingMessage, ServerResponse } from 'node:http';

export interface ChaosStandIn {
  /** token → role; 'none' stands for a role that may not read experiments */
  tokens: Record<string, 'viewer' | 'none'>;
  /** the body of a 200 answer, made at each request */
  body: () => unknown;
  authorizations: string[];
}

/** Answers the request when it is the chaos list; false for anything else. */
export function answerChaos(req: IncomingMessage, res: ServerResponse, c: ChaosStandIn): boolean {
  if (req.method !== 'GET' || req.url !== '/v1/chaos/experiments') return false;
  const json = (status: number, body: unknown) =>
    res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  const auth = req.headers.authorization ?? '';
  c.authorizations.push(auth);
  const role = auth.startsWith('Bearer ') ? c.tokens[auth.slice(7)] : undefined;
  if (!auth) json(401, { error: 'FERRY_ERR_AUTH_REQUIRED', message: 'an operator token is required' });
  else if (role === undefined)
    json(401, { error: 'FERRY_ERR_AUTH_BAD_TOKEN', message: 'the operator token is not valid' });
  else if (role === 'none')
    json(403, { error: 'FERRY_ERR_AUTH_FORBIDDEN', message: "the token's role does not allow this" });
  else json(200, c.body());
  return true;
}
