// The servers of the HTTPS rows (`ferry bench dataplane --https on|only`): nginx with
// `listen … ssl` and the appliance with --tls-cert/--tls-key on one self-signed certificate,
// the appliance twice: with as many workers as nginx, and as one process (its bodies are
// encrypted by node on the event loop, so the workers are what takes that off one loop).
import { join } from 'node:path';
import { freePort, makeSelfSignedCert, type ProcessGroup } from '@ferry/harness';
import type { BenchContent } from './content.js';
import type { ServerName } from './report.js';
import { type Server, startAppliance, startNginx } from './servers.js';

export async function startHttpsServers(input: {
  group: ProcessGroup;
  bin: string;
  cwd: string;
  workDir: string;
  content: BenchContent;
  workers: number;
  probePath: string;
  notes: string[];
  servers: Map<ServerName, Server>;
  log(line: string): void;
}): Promise<void> {
  // One pair served by both nginx (`listen … ssl`) and the appliance (--tls-cert), so the
  // two differ only in the server.
  const tls = makeSelfSignedCert(input.workDir, 'bench', { days: 2 });
  input.servers.set(
    'nginx-tls',
    await startNginx({
      group: input.group,
      dir: join(input.workDir, 'nginx-tls'),
      port: await freePort(),
      root: input.content.filesDir,
      workers: input.workers,
      probePath: input.probePath,
      tls,
      name: 'nginx-tls',
    }),
  );
  const variants: [ServerName, number][] = [
    ['ferry-tls', input.workers],
    ['ferry-tls-1proc', 1],
  ];
  for (const [name, workers] of variants) {
    if (name === 'ferry-tls-1proc' && input.workers === 1) continue;
    try {
      const s = await startAppliance({
        group: input.group,
        ferryBin: input.bin,
        cwd: input.cwd,
        port: await freePort(),
        adminPort: await freePort(),
        store: input.content.store,
        bodySender: 'copy',
        workers,
        tls,
        name,
      });
      input.servers.set(name, s);
    } catch (err) {
      const msg = (err as Error).message.split('\n').slice(0, 3).join(' / ');
      input.notes.push(`appliance ${name} did not start: ${msg}`);
      input.log(`appliance ${name}: not started: ${msg}`);
    }
  }
}
