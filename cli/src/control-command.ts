// `ferry control`: the control service's flags (DESIGN's CLI contract, docs/control.md),
// which a config file may carry instead (config-file.ts).
import type { Command } from 'commander';
import { withConfigFile } from './config-file.js';
import {
  collect,
  listenOption,
  parseNonNegativeInt,
  parsePositiveInt,
  parsePositiveNumber,
} from './parse.js';
import { serverAction } from './server-settings.js';
import { requiredWith } from './usage.js';

export function registerControlServer(program: Command): Command {
  const cmd = program
    .command('control')
    .description('run the control service: registry, heartbeats, BGP routes, health, steering')
    .addOption(listenOption('HTTP listen address: the API, steering, /healthz', '127.0.0.1:8000'))
    .option('--db <file>', 'SQLite state file (default ./ferry-control.db)')
    .option('--redis <url>', 'Redis state shared by several control instances, e.g. redis://127.0.0.1:6379')
    .option('--token-key-file <file>', 'URL token keys for signing (see docs/tokens.md)')
    .option(
      '--operator-tokens <file>',
      'hashed operator tokens (ferry control token create); reloaded on change and SIGHUP',
    )
    .option('--fallback-site <name>', 'site that serves every client after BGP matches (repeatable)', collect)
    .option(
      '--last-resort <on|off>',
      'without a fallback site, send clients nothing else serves to any appliance holding the file (default on)',
    )
    .option('--trusted-proxy <cidr>', 'proxy network whose X-Forwarded-For is believed (repeatable)', collect)
    .option(
      '--max-routes-per-appliance <n>',
      'refuse heartbeats that would leave one appliance with more prefixes (default 2000000)',
      parsePositiveInt,
    )
    .option(
      '--steer-rate-limit <n>',
      'POST /v1/steer requests/s per client address, burst the same (default 0: off)',
      parseNonNegativeInt,
    )
    .option(
      '--player-steering-ttl <sec>',
      'TTL of the HLS/DASH steering manifests: how often players ask again (default 10)',
      parsePositiveInt,
    )
    .option(
      '--chaos-key <file>',
      'Ed25519 key that signs chaos orders (write one with ferry keys identity --out FILE); enables /v1/chaos. ' +
        'Its public key is logged at start: the appliances take it as --chaos-verify-key',
    )
    .option(
      '--chaos-lease-ms <ms>',
      'an appliance reverts every fault without newer orders this long (1000-600000, default 10000)',
      parsePositiveInt,
    )
    .option(
      '--chaos-max-site-share <share>',
      "most of a site's capacity experiments may take out at once, 0-1 (default 0.34)",
      parsePositiveNumber,
    )
    .option(
      '--chaos-policy <file>',
      'chaos schedule, JSON (docs/chaos.md); one control instance should carry it',
    )
    .option('--chaos-abort-window-sec <s>', 'window of the abort conditions (default 10)', parsePositiveInt)
    .option(
      '--chaos-abort-steer-miss-share <share>',
      'abort every experiment when this share of steering decisions are none or health-miss (default 0.5)',
      parsePositiveNumber,
    )
    .option(
      '--chaos-abort-min-decisions <n>',
      'fewer steering decisions in the window decide nothing (default 20)',
      parsePositiveInt,
    )
    .option(
      '--chaos-abort-error-rate <share>',
      'abort every experiment when this share of responses fail, errors experiments left out (default 0.5)',
      parsePositiveNumber,
    )
    .option(
      '--chaos-abort-min-responses <n>',
      'fewer responses in the window decide nothing (default 100)',
      parsePositiveInt,
    )
    .option(
      '--fill-parent <site=parent>',
      "appliances of SITE fill from PARENT's appliances after their own site's (repeatable; docs/fill.md)",
      collect,
    )
    .option(
      '--origin-prefix <prefix>',
      "origin object keys are PREFIX/FILEID, under each appliance's own --origin (default: none, FILEID)",
    )
    .option(
      '--fill-min-copies <n>',
      'a file is live in a site once this many serving appliances there hold it (default 1)',
      parsePositiveInt,
    )
    .option(
      '--fill-keep-free <share>',
      "share of each appliance's capacity placement leaves free (default 0.1)",
      Number,
    )
    .option(
      '--fill-capacity <bytes>',
      'bytes each filling appliance may hold, instead of what its disks report',
      parsePositiveInt,
    )
    .option(
      '--fill-half-life-sec <s>',
      'popularity (bytes served) halves in this time (default 3600)',
      parsePositiveInt,
    )
    .option('--log-level <level>', 'pino log level (JSON log on stderr)', 'info')
    .action(
      serverAction(async (flags) => {
        const { runControl } = await import('@ferry/control');
        await runControl(flags as never);
      }),
    );
  requiredWith(cmd, '--chaos-key', '--chaos-policy');
  withConfigFile(cmd);
  return cmd;
}
