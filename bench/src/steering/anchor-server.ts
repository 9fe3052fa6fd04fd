// The anchor: a bare fastify (same version as control, logger off) with one POST /v1/steer
// route that answers a fixed object, a real steering answer captured from control before
// timing. It parses the JSON body and serializes the answer on every request, as control
// does, but does no lookup, ranking or signing: the gap to it is what steering itself costs.
// argv: PORT ANSWER.json. Prints `anchor listening` when ready.
import { readFile } from 'node:fs/promises';
import Fastify from 'fastify';

async function main(): Promise<void> {
  const port = Number(process.argv[2]);
  const answerPath = process.argv[3];
  if (!Number.isInteger(port) || !answerPath) throw new Error('usage: anchor-server PORT ANSWER.json');
  const answer = JSON.parse(await readFile(answerPath, 'utf8')) as unknown;
  const app = Fastify({ logger: false });
  app.post('/v1/steer', async () => answer);
  app.get('/healthz', async () => ({ ok: true }));
  await app.listen({ host: '127.0.0.1', port });
  process.stderr.write('anchor listening\n');
  const stop = () => void app.close().then(() => process.exit(0));
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

main().catch((err) => {
  process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
  process.exitCode = 1;
});
