// `ferry announce`: the minimal BGP speaker for demos and tests. Each action loads its
// implementation lazily, so that `ferry --help` stays fast.
import type { Command } from 'commander';
import { parseHostPort, parseNonNegativeInt, parsePositiveInt, parsePositiveNumber } from '../parse.js';

export function addAnnounceCommand(program: Command): void {
  program
    .command('announce')
    .description('a minimal BGP speaker: announce prefixes from a file to one peer (demos and tests)')
    .option('--connect <host:port>', 'connect to the peer (active)', parseHostPort)
    .option('--local-address <addr>', 'source address for --connect (peers that accept one address)')
    .option('--listen <host:port>', 'wait for the peer to connect instead (passive)', parseHostPort)
    .requiredOption('--asn <n>', 'local AS number', parsePositiveInt)
    .requiredOption('--peer-asn <n>', 'peer AS number', parsePositiveInt)
    .requiredOption('--prefixes <file>', 'prefixes to announce: one per line, IPv4 or IPv6, # comments')
    .option('--router-id <a.b.c.d>', 'BGP identifier (default 192.0.2.254)')
    .option(
      '--next-hop <addr[,addr]>',
      'next hop, at most one IPv4 and one IPv6 (default: this end of the session)',
    )
    .option('--communities <list>', 'communities on every route, e.g. 65000:1,65000:2')
    .option('--large-communities <list>', 'large communities on every route, e.g. 65000:1:2')
    .option('--hold-time <seconds>', 'proposed hold time, 0 or 3-65535', parseNonNegativeInt, 90)
    .option(
      '--withdraw-after <seconds>',
      'withdraw everything this long after announcing it',
      parsePositiveNumber,
    )
    .option('--log-level <level>', 'pino log level (JSON log on stderr)', 'info')
    .action(async (opts) => {
      const { runAnnounce } = await import('@ferry/appliance');
      await runAnnounce(opts);
    });
}
