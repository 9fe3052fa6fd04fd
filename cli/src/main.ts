// The `ferry` command: flags are parsed here (they are part of DESIGN's CLI contract);
// each action loads its implementation lazily so that `ferry --help` stays fast.
import { Command, InvalidArgumentError, Option } from 'commander';
import { registerApplianceCheck } from './appliance-check.js';
import { registerChaos } from './chaos.js';
import { registerOrigin } from './origin.js';
import { collect, parseHostPort, parseNonNegativeInt, parsePositiveInt, withControl } from './parse.js';

// For the generated error table (scripts/error-table.ts): defines the origin catalogue.
export { loadOriginErrors } from './origin.js';

export function buildProgram(): Command {
  const program = new Command('ferry')
    .description('Ferry: edge appliances, a control service, a device simulator and benchmarks')
    .showHelpAfterError()
    .configureOutput({ outputError: (str, write) => write(`ferry: ${str.replace(/^error: /, '')}`) });

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
    .option(
      '--tls-cert <file>',
      "PEM certificate (chain): the viewers' port speaks HTTPS, TLS 1.2/1.3; with --tls-key; SIGHUP reloads both",
    )
    .option('--tls-key <file>', 'PEM private key of --tls-cert')
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
      "control's chaos public key (base64url, as ferry keys identity prints it); repeatable for a rotation, required with --chaos on",
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
    .action(async (opts) => {
      const { runAppliance } = await import('@ferry/appliance');
      await runAppliance(opts);
    });

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

  const control = program
    .command('control')
    .description('run the control service: registry, heartbeats, BGP routes, health, steering')
    .addOption(listenOption('HTTP listen address'))
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
    .action(async (opts) => {
      const { runControl } = await import('@ferry/control');
      await runControl(opts);
    });

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
    .action(async (opts) => {
      if (opts.minutes !== undefined && opts.seconds !== undefined)
        throw new InvalidArgumentError('give --minutes or --seconds, not both');
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

  return program;
}

function listenOption(description: string): Option {
  return new Option('--listen <host:port>', description)
    .argParser(parseHostPort)
    .default(parseHostPort('127.0.0.1:8080'), '127.0.0.1:8080');
}

function parsePositiveNumber(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError('expected a positive number');
  return n;
}

export async function main(argv: string[]): Promise<void> {
  try {
    await buildProgram().parseAsync(argv);
  } catch (err) {
    const e = err as { code?: string; message?: string };
    process.stderr.write(`ferry: ${e.code ? `${e.code}: ` : ''}${e.message ?? String(err)}\n`);
    process.exitCode = 1;
  }
}
