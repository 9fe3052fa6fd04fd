// Runs `ferry announce` from its implementation with flags given as --name value pairs, so
// tests can start it as a real process before the command is wired into the ferry CLI.
import { runAnnounce } from '../../src/bgp/announce/announce-cli.js';

function hostPort(v: string) {
  const i = v.lastIndexOf(':');
  return { host: v.slice(0, i).replace(/^\[|\]$/g, ''), port: Number(v.slice(i + 1)) };
}

const args = process.argv.slice(2);
const flags: Record<string, string> = {};
for (let i = 0; i < args.length; i += 2) flags[args[i]!.replace(/^--/, '')] = args[i + 1]!;
const num = (k: string) => (flags[k] === undefined ? undefined : Number(flags[k]));

runAnnounce({
  ...(flags.connect ? { connect: hostPort(flags.connect) } : {}),
  ...(flags.listen ? { listen: hostPort(flags.listen) } : {}),
  asn: num('asn')!,
  peerAsn: num('peer-asn')!,
  prefixes: flags.prefixes!,
  routerId: flags['router-id'],
  nextHop: flags['next-hop'],
  communities: flags.communities,
  largeCommunities: flags['large-communities'],
  holdTime: num('hold-time'),
  withdrawAfter: num('withdraw-after'),
  logLevel: flags['log-level'] ?? 'warn',
}).then(
  () => process.exit(0),
  (err: { code?: string; message: string }) => {
    process.stderr.write(`ferry: ${err.code ? `${err.code}: ` : ''}${err.message}\n`);
    process.exit(1);
  },
);
