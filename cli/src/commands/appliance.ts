// `ferry appliance`: the edge server's flags (DESIGN CLI contract). Each action loads its
// implementation lazily, so that `ferry --help` stays fast.
import { type Command, Option } from 'commander';
import { collect, listenOption, parseHostPort, parseNonNegativeInt, parsePositiveInt } from '../parse.js';

export function addApplianceCommand(program: Command): void {
  program
    .command('appliance')
    .description('run an edge appliance: serves stored files as byte ranges over HTTP')
    .requiredOption('--id <id>', 'appliance id, reported to control and in logs')
    .addOption(listenOption('HTTP listen address for viewers: content and /healthz'))
    .option(
      '--admin-listen <host:port>',
      'admin listener: drain, undrain, status, routes, metrics (default 127.0.0.1:9081; 127.0.0.1:0 with --listen port 0)',
      parseHostPort,
    )
    .requiredOption('--store <dir>', 'content store directory, one per disk (repeatable)', collect)
    .option('--control <url>', 'control service base URL (heartbeats every second)')
    .option(
      '--identity-key <file>',
      "this appliance's Ed25519 key (ferry keys identity); signs every heartbeat, required with --control",
    )
    .option(
      '--control-grace <seconds>',
      'without control this long, take no new sessions',
      parsePositiveInt,
      30,
    )
    .option('--site <name>', 'site name', 'default')
    .option('--bgp-listen <host:port>', 'BGP listen address', parseHostPort)
    .option('--asn <n>', 'local AS number (BGP)', parsePositiveInt)
    .option('--peer-asn <n>', 'peer AS number (BGP)', parsePositiveInt)
    .option(
      '--bgp-peer <addr>',
      "the router's address: BGP is accepted from it only (required with --peer-asn; 'any': any address, labs only)",
    )
    .option('--bgp-router-id <a.b.c.d>', 'BGP identifier (default: the --bgp-listen address when IPv4)')
    .option('--bgp-hold-time <seconds>', 'proposed BGP hold time, 0 or 3-65535', parseNonNegativeInt)
    .option('--bgp-config <file>', 'BGP neighbors from a JSON file (docs/bgp.md)')
    .option('--token-key-file <file>', 'URL token keys (see docs/tokens.md)')
    .option('--open', 'serve without tokens (local use only)', false)
    .addOption(
      new Option('--body-sender <kind>', 'how bodies are sent: sendfile engine, copy path, or auto')
        .choices(['auto', 'sendfile', 'copy'])
        .default('auto'),
    )
    .option('--access-log <file>', "access log destination: a file, '-' for stdout, 'off'", '-')
    .option('--log-level <level>', 'pino log level', 'info')
    .option('--max-ranges <n>', 'most ranges served as multipart in one request', parsePositiveInt, 16)
    .option(
      '--drain-timeout <seconds>',
      'longest wait for in-flight transfers on drain',
      parsePositiveInt,
      30,
    )
    .option('--workers <n>', "worker processes sharing the listen socket ('auto': one per core)", '1')
    .action(async (opts) => {
      const { runAppliance } = await import('@ferry/appliance');
      await runAppliance(opts);
    });
}
