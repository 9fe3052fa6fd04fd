// The `ferry` command: flags are parsed here (they are part of DESIGN's CLI contract);
// each action loads its implementation lazily so that `ferry --help` stays fast.
import { Command, Option } from 'commander';
import { registerApplianceCheck } from './appliance-check.js';
import { registerApplianceServer } from './appliance-command.js';
import { registerChaos } from './chaos.js';
import { registerContentStore } from './content-store.js';
import { registerControlServer } from './control-command.js';
import { registerOrigin } from './origin.js';
import {
  collect,
  parseHostPort,
  parseNonNegativeInt,
  parsePositiveInt,
  parsePositiveNumber,
  withControl,
} from './parse.js';
import { registerStatus } from './status.js';
import { configureUsage, pointToHelp, reportError, UsageError } from './usage.js';

// For the generated error table (scripts/error-table.ts): defines the origin catalogue.
export { loadOriginErrors } from './origin.js';

export function buildProgram(): Command {
  const program = configureUsage(
    new Command('ferry').description(
      'Ferry: edge appliances, a control service, a device simulator and benchmarks',
    ),
  );

  registerApplianceServer(program);

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

  const control = registerControlServer(program);

  const token = control.command('token').description('operator API tokens (hashed in a token file)');
  token
    .command('create')
    .description('add a token with a role to the token file and print it (shown only once)')
    .requiredOption('--file <file>', "operator token file (control's --operator-tokens)")
    .addOption(
      new Option('--role <role>', 'what the token may do')
        .choices(['viewer', 'operator', 'admin'])
        .makeOptionMandatory(),
    )
    .requiredOption('--name <name>', 'who holds it, for logs (1-64 of [A-Za-z0-9._@-])')
    .action(async (opts) => {
      const { runTokenCreate } = await import('@ferry/control');
      await runTokenCreate(opts);
    });
  token
    .command('list')
    .description('list token ids, roles and names')
    .requiredOption('--file <file>', 'operator token file')
    .action(async (opts) => {
      const { runTokenList } = await import('@ferry/control');
      await runTokenList(opts);
    });
  token
    .command('revoke')
    .description('remove a token from the file')
    .requiredOption('--file <file>', 'operator token file')
    .requiredOption('--id <id>', 'token id (the 8 characters after fop_)')
    .action(async (opts) => {
      const { runTokenRevoke } = await import('@ferry/control');
      await runTokenRevoke(opts);
    });

  const appliance = control
    .command('appliance')
    .description("enroll appliances' identity keys at a running control (operator token)");
  withControl(
    appliance
      .command('add')
      .description('enroll an appliance: its id, site and public key (ferry keys identity prints it)'),
  )
    .requiredOption('--id <id>', 'appliance id')
    .requiredOption('--site <site>', 'the site its heartbeats must name')
    .requiredOption('--public-key <key>', 'base64url Ed25519 public key')
    .option(
      '--url-host <host>',
      "a host its heartbeat url may name (repeatable; default: the heartbeat's source address)",
      collect,
    )
    .action(async (opts) => {
      const { runApplianceAdd } = await import('@ferry/control');
      await runApplianceAdd(opts);
    });
  withControl(appliance.command('list').description('enrolled appliances with their health')).action(
    async (opts) => {
      const { runApplianceList } = await import('@ferry/control');
      await runApplianceList(opts);
    },
  );
  for (const [name, disabled, what] of [
    ['disable', true, 'refuse its heartbeats and take it out of steering'],
    ['enable', false, 'accept its heartbeats again'],
  ] as const) {
    withControl(appliance.command(name).description(what))
      .requiredOption('--id <id>', 'appliance id')
      .action(async (opts) => {
        const { runApplianceSetDisabled } = await import('@ferry/control');
        await runApplianceSetDisabled(opts, disabled);
      });
  }
  withControl(
    appliance.command('remove').description('forget an appliance: identity, record, routes, inventory'),
  )
    .requiredOption('--id <id>', 'appliance id')
    .action(async (opts) => {
      const { runApplianceRemove } = await import('@ferry/control');
      await runApplianceRemove(opts);
    });

  registerChaos(program);
  registerStatus(program);
  registerApplianceCheck(program);

  const content = program.command('content').description('synthetic content and appliance stores');
  content
    .command('generate')
    .description('generate titles and catalog.json: synthetic bytes, or real H.264 video with --media')
    .requiredOption('--out <dir>', 'output directory')
    .requiredOption('--titles <n>', 'number of titles', parsePositiveInt)
    .option('--minutes <m>', 'duration of each title in minutes (default 1)', parsePositiveNumber)
    .option('--seconds <s>', 'duration of each title in seconds (instead of --minutes)', parsePositiveNumber)
    .option('--seed <seed>', 'seed for the deterministic bytes', 'ferry')
    .option('--media', 'encode real video with ffmpeg: fragmented MP4 (CMAF), one file per rung, video only')
    .option(
      '--media-ladder <rungs>',
      'with --media: comma-separated rungs of 240p,360p,540p,720p (default all)',
    )
    .option(
      '--segment-seconds <s>',
      'with --media: segment and GOP duration in seconds',
      parsePositiveNumber,
      2,
    )
    .action(async (opts, cmd: Command) => {
      if (opts.minutes !== undefined && opts.seconds !== undefined)
        throw new UsageError(cmd, 'give --minutes or --seconds, not both');
      const minutes: number | undefined = opts.seconds === undefined ? (opts.minutes ?? 1) : undefined;
      const base = { out: opts.out, titles: opts.titles, seed: opts.seed };
      if (opts.media) {
        const { runMediaGenerate } = await import('@ferry/appliance');
        const ladder = opts.mediaLadder === undefined ? undefined : String(opts.mediaLadder).split(',');
        await runMediaGenerate({
          ...base,
          ...(minutes === undefined ? { seconds: opts.seconds } : { minutes }),
          ...(ladder ? { ladder } : {}),
          segmentSeconds: opts.segmentSeconds,
        });
        return;
      }
      const { runContentGenerate } = await import('@ferry/appliance');
      await runContentGenerate({ ...base, minutes: minutes ?? opts.seconds / 60 });
    });
  content
    .command('add')
    .description('place files into an appliance store (copied atomically, indexed with sha256)')
    .requiredOption('--store <dir>', 'store directory (repeatable, one per disk)', collect)
    .argument('<files...>', 'files to add; the file name is the file id')
    .action(async (files: string[], opts) => {
      const { runContentAdd } = await import('@ferry/appliance');
      await runContentAdd({ ...opts, files });
    });
  registerContentStore(content);

  registerOrigin(program);

  const keys = program.command('keys').description('URL token keys and appliance identity keys');
  keys
    .command('generate')
    .description('write a new key file (one signing key) for control and appliances')
    .requiredOption('--out <file>', 'key file to write')
    .option('--key-id <id>', 'key id', 'k1')
    .option('--add', 'add a key to an existing file and make it the signing key (rotation)', false)
    .action(async (opts) => {
      const { runKeysGenerate } = await import('@ferry/protocol');
      await runKeysGenerate(opts);
    });
  keys
    .command('identity')
    .description("write an appliance's identity key (Ed25519) and print the public key to enroll at control")
    .requiredOption('--out <file>', 'private key file to write (mode 0600)')
    .option('--force', 'replace an existing key (the appliance must then be enrolled again)', false)
    .action(async (opts) => {
      const { runIdentityKeygen } = await import('@ferry/appliance');
      await runIdentityKeygen(opts);
    });

  program
    .command('sim')
    .description('a fleet of simulated viewers: steer, play with ABR, fail over; summary + HTML/JSON report')
    .requiredOption('--control <url>', 'control base URL, e.g. http://127.0.0.1:8000')
    .requiredOption('--sessions <n>', 'viewers', parsePositiveInt)
    .requiredOption('--duration <seconds>', 'length of the run; every session ends then', parsePositiveNumber)
    .option('--source-cidr <cidr>', 'IPv4 prefix of source addresses, one per session (e.g. 127.64.0.0/16)')
    .option('--titles <ids>', 'comma-separated title ids to play (round robin)')
    .option('--catalog <file>', 'catalog.json to take the title ids from (instead of --titles)')
    .option('--ramp <seconds>', 'spread session starts over this long (default duration/4, max 10)')
    .option('--report <file>', 'HTML report; the JSON goes beside it', 'sim-report.html')
    .option('--workers <n>', 'worker threads (default: one per 1000 sessions, at most one per core)')
    .option(
      '--chaos-from-control',
      "at the end, read control's chaos experiments and draw and analyse those the run overlapped",
    )
    .option(
      '--token <token>',
      'operator token of role viewer or higher, for --chaos-from-control (default: $FERRY_TOKEN)',
    )
    .option(
      '--networks <mix>',
      'access networks by share, NAME:SHARE,… of mobile, dsl, cable, fibre, congested; or none (default mobile:25,dsl:20,cable:35,fibre:20)',
    )
    .option('--arrivals <model>', 'poisson (rate ramps up over --ramp) or even (default poisson)')
    .option(
      '--ramp-factor <x>',
      'poisson arrivals: the rate at the end of the ramp over the rate at its start (default 3)',
    )
    .option('--zipf <s>', 'Zipf exponent of title popularity, 0 = uniform (default 0.9)')
    .option('--watch-mean <seconds>', 'mean watch time, log-normal (default: 1.5 × the run duration)')
    .option('--resume <share>', 'share of viewers that start mid-title (default 0.2)')
    .option('--seeks-per-min <n>', 'seeks per minute of watching (default 0.3)')
    .option('--no-abandon', 'viewers never give up on a slow startup or a long stall')
    .option('--seed <text>', 'seed of the audience plan (default ferry)')
    .option(
      '--players <kind>',
      'sim: simulated viewers; browser: real hls.js/dash.js players in headless Chromium (a 2-core machine holds about 6 at 720p)',
      'sim',
    )
    .option('--player <name>', 'with --players browser: hls, dash or both (alternating)', 'both')
    .option(
      '--browser-sessions <n>',
      'with --players sim: also run N real browser players beside the simulated fleet (report: *-browser.html)',
      parsePositiveInt,
    )
    .action(async (opts) => {
      if (opts.players === 'browser') {
        const { runBrowserSim } = await import('@ferry/client-sim');
        await runBrowserSim(opts);
        return;
      }
      if (opts.players !== 'sim') throw new Error(`--players must be sim or browser, got "${opts.players}"`);
      const { runSim, runBrowserSim } = await import('@ferry/client-sim');
      if (opts.browserSessions === undefined) {
        await runSim(opts);
        return;
      }
      // Both for the same --duration, at the same time, each with its own report.
      const report = String(opts.report ?? 'sim-report.html');
      await Promise.all([
        runSim(opts),
        runBrowserSim({
          ...opts,
          sessions: opts.browserSessions,
          report: report.replace(/(\.html)?$/, '-browser.html'),
        }),
      ]);
    });

  const bench = program.command('bench').description('benchmarks, each side by side with its anchor');
  bench
    .command('dataplane')
    .description(
      'appliance vs nginx (sendfile on) and a bare node:http server: 2 MiB x 16, 64 KiB x 64 and 100 B x 16 conns, sendfile and copy paths',
    )
    .option('--rounds <n>', 'alternating rounds per case', parsePositiveInt, 3)
    .option('--duration <seconds>', 'seconds per load run', parsePositiveInt, 8)
    .option('--tools <list>', 'load tools: autocannon,wrk', 'autocannon,wrk')
    .option('--out <dir>', 'results directory', 'bench/results')
    .addOption(
      new Option(
        '--https <mode>',
        "HTTPS rows (appliance --tls-cert vs nginx ssl, same certificate, wrk): 'on' adds them, 'only' runs just them",
      )
        .choices(['on', 'off', 'only'])
        .default('on'),
    )
    .option('--workers <n>', 'processes per server (default: one per core)', parsePositiveInt)
    .action(async (opts) => {
      const { runBenchDataplane } = await import('@ferry/bench');
      await runBenchDataplane(opts);
    });

  bench
    .command('bgp')
    .description('full BGP table: appliance speaker + Adj-RIB-In vs BIRD (time, CPU, RSS)')
    .option('--routes <n>', 'IPv4 routes', parseNonNegativeInt, 1_000_000)
    .option('--ipv6 <n>', 'IPv6 routes', parseNonNegativeInt, 0)
    .option('--out <dir>', 'results directory', 'bench/results')
    .action(async (opts) => {
      const { runBenchBgp } = await import('@ferry/bench');
      await runBenchBgp(opts);
    });

  bench
    .command('steering')
    .description('control POST /v1/steer (appliances, 1M-prefix table, live heartbeats) vs bare fastify')
    .option('--appliances <n>', 'appliances, 5 per site', parsePositiveInt, 100)
    .option(
      '--prefixes <n>',
      'IPv4 /24s in the route table (plus /16 aggregates)',
      parsePositiveInt,
      1_000_000,
    )
    .option('--duration <seconds>', 'seconds per load run', parsePositiveInt, 10)
    .option('--rounds <n>', 'alternating rounds', parsePositiveInt, 3)
    .option('--connections <n>', 'autocannon connections', parsePositiveInt, 32)
    .option('--out <dir>', 'results directory', 'bench/results')
    .action(async (opts) => {
      const { runBenchSteering } = await import('@ferry/bench');
      await runBenchSteering(opts);
    });

  bench
    .command('failover')
    .description('kill -9 an appliance under an audience: detection time, time to move every viewer, stalls')
    .option('--sessions <n>', 'viewers', parsePositiveInt, 60)
    .option(
      '--duration <seconds>',
      'how long the audience plays (the kill is half-way)',
      parsePositiveInt,
      40,
    )
    .option('--out <dir>', 'results directory', 'bench/results')
    .action(async (opts) => {
      const { runBenchFailover } = await import('@ferry/bench');
      await runBenchFailover(opts);
    });

  bench
    .command('chaos')
    .description(
      'a game day through control (latency, throttle, BGP flap, kill) under an audience, against the same kill from outside',
    )
    .option('--sessions <n>', 'viewers', parsePositiveInt, 60)
    .option('--duration <seconds>', 'how long each run plays', parsePositiveInt, 60)
    .option('--out <dir>', 'results directory', 'bench/results')
    .action(async (opts) => {
      const { runBenchChaos } = await import('@ferry/bench');
      await runBenchChaos(opts);
    });

  bench
    .command('fill')
    .description(
      'appliances filling from an S3 origin on loopback vs plain GetObject downloads; a site of three: one copy from the origin, not three',
    )
    .option('--gb <n>', 'size of the fill set in GiB', parsePositiveNumber, 2)
    .option(
      '--concurrency <n>',
      "downloads at once: the anchor's and the appliances' --fill-concurrency",
      parsePositiveInt,
      2,
    )
    .option('--fill-rate <bytes/s>', "the appliances' --fill-rate (default: none)", parsePositiveInt)
    .option(
      '--connections <n>',
      'autocannon connections of the load served while filling',
      parsePositiveInt,
      16,
    )
    .option('--cases <list>', 'cases to run: anchor,one,load,site', 'anchor,one,load,site')
    .option('--out <dir>', 'results directory', 'bench/results')
    .action(async (opts) => {
      const { runBenchFill } = await import('@ferry/bench');
      await runBenchFill(opts);
    });

  program
    .command('demo')
    .description(
      'control, four appliances in two sites with BGP feeds, an audience of viewers, and a game day of chaos experiments run by control (latency, throttle, BGP flap, kill)',
    )
    .option('--dir <dir>', 'working directory for the demo', '.ferry-demo')
    .option('--duration <seconds>', 'how long the audience plays', parsePositiveInt, 60)
    .option('--sessions <n>', 'viewers', parsePositiveInt, 30)
    .action(async (opts) => {
      const { runDemo } = await import('./demo.js');
      await runDemo(opts);
    });

  pointToHelp(program);
  return program;
}

export async function main(argv: string[]): Promise<void> {
  try {
    await buildProgram().parseAsync(argv);
  } catch (err) {
    process.exitCode = reportError(err, (s) => process.stderr.write(s));
  }
}
