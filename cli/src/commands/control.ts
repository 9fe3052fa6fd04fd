// `ferry control` and its operator tools: `token create|list|revoke` and
// `appliance add|list|disable|enable|remove`. Each action loads its implementation lazily,
// so that `ferry --help` stays fast.
import { type Command, Option } from 'commander';
import { collect, listenOption, parseNonNegativeInt, parsePositiveInt } from '../parse.js';

export function addControlCommand(program: Command): void {
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
  const withControl = (cmd: Command) =>
    cmd
      .requiredOption('--control <url>', 'control base URL, e.g. http://127.0.0.1:8080')
      .option('--token <token>', 'operator token (default: $FERRY_TOKEN)');
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
}
