// The fleet view's actionable items (docs/dashboard.md): each thing an operator should act
// on, in a line that names the appliance or site, says what is wrong and suggests the fix.
// Pure: the snapshot builder hands in what it read from the model.
import type { ApplianceView, FillView } from '@ferry/protocol';
import type { RouteConsistency } from '../queries/route-consistency.js';
import { duration, gb } from './format.js';

export type Severity = 'error' | 'warning';

export interface ActionItem {
  severity: Severity;
  kind: 'key' | 'routes' | 'fill' | 'turnup' | 'health';
  applianceId?: string;
  site?: string;
  text: string;
  fix: string;
}

export interface ItemInput {
  appliances: readonly ApplianceView[];
  /** per appliance id: why it cannot verify control's URLs (keys/choose-signing-key.ts keyMismatch) */
  keyProblems: ReadonlyMap<string, string>;
  consistency: readonly RouteConsistency[];
  fill: ReadonlyMap<string, FillView>;
}

const SHOWN_PREFIXES = 3;

export function actionItems(input: ItemInput): ActionItem[] {
  const items: ActionItem[] = [];
  for (const a of input.appliances) {
    if (a.health === 'unhealthy' || a.health === 'unknown') {
      items.push({
        severity: 'error',
        kind: 'health',
        applianceId: a.id,
        site: a.site,
        text: `${a.id} is ${a.health}: ${a.healthReason || 'no reason given'}`,
        fix: `check the appliance process and its network (curl ${a.url}/healthz); steering sends its clients elsewhere meanwhile`,
      });
    }
    const key = input.keyProblems.get(a.id);
    if (key) {
      items.push({
        severity: 'error',
        kind: 'key',
        applianceId: a.id,
        site: a.site,
        text: `${a.id} holds no key that signs URLs (${key})`,
        fix: `copy /etc/ferry/keys from control to ${a.id} and reload it (SIGHUP)`,
      });
    }
    if (a.turnup && !a.turnup.passed) {
      const failed = a.turnup.checks.filter((c) => !c.ok);
      items.push({
        severity: 'warning',
        kind: 'turnup',
        applianceId: a.id,
        site: a.site,
        text: `${a.id} turn-up checks failing: ${failed.map((c) => `${c.name} (${c.detail})`).join('; ') || 'not passed'}`,
        fix: `run \`ferry appliance check\` on ${a.id} and fix what it names; it does not serve until they pass`,
      });
    }
    const f = input.fill.get(a.id);
    if (f && f.bytesToGo > 0) {
      const eta = f.etaSec === null ? 'no progress now' : `about ${duration(f.etaSec)} to go`;
      items.push({
        severity: 'warning',
        kind: 'fill',
        applianceId: a.id,
        site: a.site,
        text: `${a.id} fill behind by ${gb(f.bytesToGo)} (${f.held} of ${f.wanted} files, ${eta})`,
        fix:
          f.window === 'closed'
            ? 'its fill window is closed: widen --fill-window or wait for it'
            : f.errors.length > 0
              ? `fill errors: ${f.errors[0]?.error ?? ''}; check its origin and peers`
              : 'let it fill; check its link to the origin if this does not shrink',
      });
    }
  }
  for (const c of input.consistency) {
    if (c.consistent) continue;
    const n = c.differences.length + (c.truncated ? '+' : '');
    const shown = c.differences
      .slice(0, SHOWN_PREFIXES)
      .map((d) => `${d.prefix} missing from ${d.missingFrom.join(', ')}`)
      .join('; ');
    items.push({
      severity: 'warning',
      kind: 'routes',
      site: c.site,
      text: `site ${c.site} inconsistent: ${n} prefix${n === '1' ? '' : 'es'} not heard by every appliance (${shown})`,
      fix: 'check the BGP sessions of the appliances named (router config, prefix filters, max-prefix); see Routes',
    });
  }
  // Errors first, then by appliance/site name: a stable order the page does not reshuffle.
  return items.sort(
    (x, y) =>
      (x.severity === y.severity ? 0 : x.severity === 'error' ? -1 : 1) ||
      (x.applianceId ?? x.site ?? '').localeCompare(y.applianceId ?? y.site ?? ''),
  );
}
