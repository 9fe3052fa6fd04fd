// Control probes `${url}/healthz` for every appliance it knows. The bench has no real
// appliances, so small node:http listeners on loopback stand in for them, one port per
// appliance: control's probe pool keeps a couple of connections per origin, so appliances
// sharing one origin would queue each other's probes, which real appliances never do.
import { createServer, type RequestListener, type Server } from 'node:http';
import { freePort } from '@ferry/harness';

export interface FakeAppliances {
  urlOf(id: string): string;
  close(): Promise<void>;
}

function listen(handler: RequestListener, port: number): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer(handler);
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve(server));
  });
}

export async function startFakeAppliances(ids: readonly string[]): Promise<FakeAppliances> {
  const handler: RequestListener = (req, res) => {
    if (req.url === '/healthz') {
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
    } else {
      res.writeHead(404).end();
    }
  };
  const servers: Server[] = [];
  const urls = new Map<string, string>();
  const close = () =>
    Promise.all(
      servers.map(
        (s) =>
          new Promise<void>((resolve) => {
            s.closeAllConnections();
            s.close(() => resolve());
          }),
      ),
    ).then(() => undefined);
  try {
    for (const id of ids) {
      const port = await freePort();
      servers.push(await listen(handler, port));
      urls.set(id, `http://127.0.0.1:${port}`);
    }
  } catch (err) {
    await close();
    throw err;
  }
  return {
    urlOf: (id) => {
      const url = urls.get(id);
      if (!url) throw new Error(`no fake appliance for ${id}`);
      return url;
    },
    close,
  };
}
