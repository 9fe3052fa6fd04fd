// Reading control's chaos experiments over a real loopback socket: the token goes out as a
// Bearer credential, the list comes back checked against ChaosExperimentList, and a refused
// token, a body of another shape and a dead port each end in their own named error.
import { createServer } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fetchChaosExperiments } from '../src/report/chaos-fetch.js';
import { answerChaos, type ChaosStandIn } from './support-chaos-control.js';
import { experiment } from './support-qoe.js';
import { deadPort, type LoopbackServer, listenLoopback } from './support-steer-server.js';

const list = [
  experiment({ id: 'k1', startedAtMs: 1000, endedAtMs: 2000 }),
  experiment({ id: 'r1', state: 'refused', refusal: { rule: 'chaos-off', message: 'chaos is off' } }),
];
let body: unknown = { experiments: list };
const chaos: ChaosStandIn = {
  tokens: { fop_view: 'viewer', fop_fill: 'none' },
  body: () => body,
  authorizations: [],
};
let server: LoopbackServer;

beforeAll(async () => {
  server = await listenLoopback(
    createServer((req, res) => {
      req.resume();
      if (!answerChaos(req, res, chaos)) res.writeHead(404).end();
    }),
  );
});

afterAll(async () => {
  await server?.close();
});

describe('fetchChaosExperiments', () => {
  it('sends the token as Bearer and returns the experiments', async () => {
    body = { experiments: list };
    const got = await fetchChaosExperiments({ control: server.url, token: 'fop_view' });
    expect(got.map((e) => [e.id, e.state])).toEqual([
      ['k1', 'ended'],
      ['r1', 'refused'],
    ]);
    expect(got[1]!.refusal).toEqual({ rule: 'chaos-off', message: 'chaos is off' });
    expect(chaos.authorizations.at(-1)).toBe('Bearer fop_view');
  });

  it('names a refused token: 401 for an unknown one, 403 for a role too low', async () => {
    await expect(fetchChaosExperiments({ control: server.url, token: 'fop_nope' })).rejects.toMatchObject({
      code: 'FERRY_ERR_SIM_CHAOS_AUTH',
      status: 401,
      message: /401 \(FERRY_ERR_AUTH_BAD_TOKEN: the operator token is not valid\).*--token or FERRY_TOKEN/,
    });
    await expect(fetchChaosExperiments({ control: server.url, token: 'fop_fill' })).rejects.toMatchObject({
      code: 'FERRY_ERR_SIM_CHAOS_AUTH',
      status: 403,
    });
  });

  it('refuses an answer that is not a ChaosExperimentList, and names a dead control', async () => {
    body = { experiments: [{ id: 'x' }] };
    await expect(fetchChaosExperiments({ control: server.url, token: 'fop_view' })).rejects.toMatchObject({
      code: 'FERRY_ERR_SIM_CHAOS_FETCH',
      message: /not a ChaosExperimentList/,
    });
    const dead = `http://127.0.0.1:${await deadPort()}`;
    await expect(fetchChaosExperiments({ control: dead, token: 'fop_view' })).rejects.toMatchObject({
      code: 'FERRY_ERR_SIM_CHAOS_FETCH',
      message: /ECONNREFUSED/,
    });
  });
});
