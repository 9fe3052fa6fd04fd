// `ferry control appliance add|list|disable|enable|remove`: enrollment over control's API
// (POST /v1/appliances …) with an operator token from --token or FERRY_TOKEN, so the token
// never has to sit in the shell history.
import { type ApplianceIdentityView, ControlClient } from '@ferry/protocol';
import { ConfigError } from '../errors.js';

export interface ApplianceCliOptions {
  control: string;
  token?: string;
}

/** A client of control at `--control` with the operator token of `--token` or FERRY_TOKEN. */
export function operatorClient(opts: ApplianceCliOptions): ControlClient {
  const token = opts.token ?? process.env['FERRY_TOKEN'];
  if (!token) throw new ConfigError('an operator token is required: --token TOKEN or FERRY_TOKEN');
  try {
    new URL(opts.control);
  } catch {
    throw new ConfigError(`--control must be a URL, got "${opts.control}"`);
  }
  return new ControlClient({ baseUrl: opts.control, token });
}

function line(i: ApplianceIdentityView, health = '-'): string {
  const hosts = i.urlHosts.length > 0 ? i.urlHosts.join(',') : '(source address)';
  return `${i.id}\t${i.site}\t${i.disabled ? 'disabled' : 'enrolled'}\t${health}\t${hosts}\t${i.publicKey}\n`;
}

export async function runApplianceAdd(
  opts: ApplianceCliOptions & { id: string; site: string; publicKey: string; urlHost?: string[] },
): Promise<void> {
  const identity = await operatorClient(opts).enrollAppliance({
    id: opts.id,
    site: opts.site,
    publicKey: opts.publicKey,
    ...(opts.urlHost ? { urlHosts: opts.urlHost } : {}),
  });
  process.stdout.write(line(identity));
}

export async function runApplianceList(opts: ApplianceCliOptions): Promise<void> {
  const fleet = await operatorClient(opts).listFleet();
  const health = new Map(fleet.appliances.map((a) => [a.id, a.health]));
  process.stdout.write('ID\tSITE\tENROLLMENT\tHEALTH\tURL HOSTS\tPUBLIC KEY\n');
  for (const i of fleet.identities) process.stdout.write(line(i, health.get(i.id)));
  // Records without an identity predate enrollment; their heartbeats are refused.
  for (const a of fleet.appliances) {
    if (a.enrollment === 'unenrolled')
      process.stdout.write(`${a.id}\t${a.site}\tunenrolled\t${a.health}\t-\t-\n`);
  }
}

export async function runApplianceSetDisabled(
  opts: ApplianceCliOptions & { id: string },
  disabled: boolean,
): Promise<void> {
  const c = operatorClient(opts);
  const identity = disabled ? await c.disableAppliance(opts.id) : await c.enableAppliance(opts.id);
  process.stdout.write(line(identity));
}

export async function runApplianceRemove(opts: ApplianceCliOptions & { id: string }): Promise<void> {
  await operatorClient(opts).removeAppliance(opts.id);
  process.stderr.write(`removed ${opts.id}: identity, record, routes and inventory\n`);
}
