// /v1/chaos/experiments (chaos/service.ts, docs/chaos.md): operators run and abort
// experiments, viewers read them. A refusal by a safety rule is 409 with the rule's own code,
// and the refused experiment is recorded and listed like any other (Location names it).
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import {
  ChaosExperiment,
  ChaosExperimentList,
  ChaosExperimentRequest,
  ErrorBody,
  ExperimentState,
} from '@ferry/protocol';
import { Type } from 'typebox';
import type { SafetyRule } from '../../chaos/safety.js';
import { type ErrorSpec, Errors, FerryError } from '../../errors.js';
import type { ControlContext } from '../context.js';
import { OPERATOR_SECURITY, operatorName, requireRole } from '../guards.js';

const RULE_ERRORS: Record<SafetyRule, ErrorSpec> = {
  'chaos-off': Errors.CHAOS_RULE_CHAOS_OFF,
  'unknown-target': Errors.CHAOS_RULE_UNKNOWN_TARGET,
  overlap: Errors.CHAOS_RULE_OVERLAP,
  'site-share': Errors.CHAOS_RULE_SITE_SHARE,
  coverage: Errors.CHAOS_RULE_COVERAGE,
};

const ExperimentParams = Type.Object({ id: Type.String({ pattern: '^[A-Za-z0-9_-]{1,64}$' }) });
const ListQuery = Type.Object({ state: Type.Optional(ExperimentState) });
const REFUSALS = { 401: ErrorBody, 403: ErrorBody, 503: ErrorBody };
const TAGS = ['chaos'];

/** GET and DELETE of one experiment answer alike. */
const oneExperiment = (summary: string) => ({
  summary,
  tags: TAGS,
  security: OPERATOR_SECURITY,
  params: ExperimentParams,
  response: { 200: ChaosExperiment, 404: ErrorBody, ...REFUSALS },
});

export function chaosHandlers(ctx: ControlContext): FastifyPluginAsyncTypebox {
  const { chaos } = ctx;
  const operator = requireRole(ctx, 'operator');
  const viewer = requireRole(ctx, 'viewer');
  const configured = () => {
    if (!chaos.configured) throw new FerryError(Errors.CHAOS_NOT_CONFIGURED);
  };
  const location = (id: string) => `/v1/chaos/experiments/${id}`;

  return async (app) => {
    app.post(
      '/v1/chaos/experiments',
      {
        onRequest: operator,
        schema: {
          summary: 'Run a chaos experiment now or later (201), or have it refused by a safety rule (409)',
          tags: TAGS,
          security: OPERATOR_SECURITY,
          body: ChaosExperimentRequest,
          response: { 201: ChaosExperiment, 400: ErrorBody, 409: ErrorBody, ...REFUSALS },
        },
      },
      async (req, reply) => {
        configured();
        const { exp, refusal } = await chaos.submit(req.body, {
          source: 'operator',
          createdBy: operatorName(req),
        });
        reply.header('location', location(exp.id));
        if (refusal) {
          throw new FerryError(
            RULE_ERRORS[refusal.rule],
            `${refusal.message}; recorded as refused experiment ${exp.id}`,
          );
        }
        return reply.code(201).send(exp);
      },
    );

    app.get(
      '/v1/chaos/experiments',
      {
        onRequest: viewer,
        schema: {
          summary: 'Chaos experiments, newest first, optionally of one state',
          tags: TAGS,
          security: OPERATOR_SECURITY,
          querystring: ListQuery,
          response: { 200: ChaosExperimentList, ...REFUSALS },
        },
      },
      async (req) => {
        configured();
        return { experiments: ctx.model.experiments.list(req.query.state) };
      },
    );

    app.get(
      '/v1/chaos/experiments/:id',
      { onRequest: viewer, schema: oneExperiment('One chaos experiment') },
      async (req) => {
        configured();
        const exp = ctx.model.experiments.get(req.params.id);
        if (!exp) throw new FerryError(Errors.CHAOS_UNKNOWN_EXPERIMENT, req.params.id);
        return exp;
      },
    );

    app.delete(
      '/v1/chaos/experiments/:id',
      {
        onRequest: operator,
        schema: oneExperiment('Abort one chaos experiment (one already over is answered as it is)'),
      },
      async (req) => {
        configured();
        return chaos.abort(req.params.id, `aborted by ${operatorName(req)}`);
      },
    );

    app.delete(
      '/v1/chaos/experiments',
      {
        onRequest: operator,
        schema: {
          summary: 'Abort every planned and running chaos experiment; answers those aborted',
          tags: TAGS,
          security: OPERATOR_SECURITY,
          response: { 200: ChaosExperimentList, ...REFUSALS },
        },
      },
      async (req) => {
        configured();
        return { experiments: await chaos.abortAll(`aborted by ${operatorName(req)} (all)`) };
      },
    );
  };
}
