// `ferry appliance`: the edge server's flags (DESIGN's CLI contract, docs/appliance.md),
// which a config file may carry instead (config-file.ts).
import { type Command, Option } from 'commander';
import { withConfigFile } from './config-file.js';
import {
  collect,
  listenOption,
  parseHostPort,
  parseNonNegativeInt,
  parsePositiveInt,
  parseRate,
} from './parse.js';
import { serverAction } from './server-settings.js';
import { requiredWith } from './usage.js';

export function registerApplianceServer(program: Command): Command {
  const cmd = program
    .command('appliance')
    .description('run an edge appliance: serves stored files as byte ranges over HTTP')
    .requiredOption('--id <id>', 'appliance id, reported to control and in logs')
    .addOption(listenOption('HTTP listen address for viewers: content and /healthz', '127.0.0.1:8080'))
    .option(
      '--admin-listen <host:port>',
      'admin listener: drain, undrain, status, routes, metrics (default 127.0.0.1:9081; 127.0.0.1:0 with --listen port 0)',
      parseHostPort,
    )
    .requiredOption('--store <dir>', 'content store directory, one per disk (repeatable)', collect)
    .option('--control <url>', 'control service base URL (heartbeats every second)')
    .option(
      '--identity-key <file>',
      "this appliance's Ed25519 key (ferry keys identity); signs every heartbeat",
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
      "the router's address: BGP is accepted from it only ('any': any address, labs only)",
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
    .option(
      '--tls-cert <file>',
      "PEM certificate (chain): the viewers' port speaks HTTPS, TLS 1.2/1.3; with --tls-key; SIGHUP reloads both",
    )
    .option('--tls-key <file>', 'PEM private key of --tls-cert')
    .option(
      '--capacity <rate>',
      'what this appliance may send, reported to control: 10Gb/s, 2500Mb/s, or bits/s (default 10Gb/s); SIGHUP rereads it',
      parseRate,
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
    .addOption(
      new Option('--chaos <mode>', "run chaos orders from control ('off': refuse them all)")
        .choices(['on', 'off'])
        .default('off'),
    )
    .option(
      '--chaos-verify-key <key>',
      "control's chaos public key (base64url, as ferry keys identity prints it); repeatable for a rotation",
      collect,
    )
    .addOption(
      new Option('--fill <mode>', "fill the store with what control wants held ('off': hold what is there)")
        .choices(['on', 'off'])
        .default('off'),
    )
    .option('--origin <origin>', 'where origin sources are read: s3://BUCKET[/PREFIX] or dir:/path')
    .option(
      '--origin-endpoint <url>',
      'S3-compatible endpoint of an s3:// origin (credentials: AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY)',
    )
    .option('--origin-region <region>', 'region of an s3:// origin (default us-east-1)')
    .option('--fill-window <window>', "when to fill: 'always' or HH:MM-HH:MM, local time", 'always')
    .option(
      '--fill-rate <bytes/s>',
      'cap over all fill downloads, bytes per second (default: none)',
      parsePositiveInt,
    )
    .option('--fill-concurrency <n>', 'files downloaded at once', parsePositiveInt, 2)
    .option(
      '--evict-grace-sec <seconds>',
      'keep a file control no longer wants this long before removing it',
      parseNonNegativeInt,
      300,
    )
    .option(
      '--fill-manifest-interval <seconds>',
      'ask control for the manifest this often',
      parsePositiveInt,
      10,
    )
    .option(
      '--fill-stall-timeout <seconds>',
      'give up a source that sends nothing this long',
      parsePositiveInt,
      30,
    )
    .action(
      serverAction(async (flags) => {
        const { runAppliance } = await import('@ferry/appliance');
        await runAppliance(flags as never);
      }),
    );
  requiredWith(cmd, '--identity-key', '--control');
  requiredWith(cmd, '--bgp-peer', '--peer-asn');
  requiredWith(cmd, '--chaos-verify-key', '--chaos on');
  requiredWith(cmd, '--tls-key', '--tls-cert');
  requiredWith(cmd, '--tls-cert', '--tls-key');
  withConfigFile(cmd);
  return cmd;
}
