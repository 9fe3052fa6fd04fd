// How a failed turn-up report shows in an appliance's view. Its health status is left to the
// monitor (probes and heartbeats): an appliance turning up answers both, and placement must
// still give an empty one its files (fill/service.ts fills only serving appliances), or a
// new appliance that fails `test-range` for want of content would wait forever. So the
// status stays, and while it is a serving one the reason says "turning up: <failed checks>"
// (another verdict's reason, a key mismatch say, is kept: it is why it is out); steering leaves it out
// regardless (model.isHeldOut), and the dashboard counts it as "turning up" from the view's
// `turnup.passed === false`.
import type { TurnupReport } from '@ferry/protocol';

/** "turning up: bgp: …; keys: …", short enough for a reason; undefined when passed or absent. */
export function turnupReason(turnup: TurnupReport | undefined): string | undefined {
  if (!turnup || turnup.passed) return undefined;
  const failed = turnup.checks.filter((c) => !c.ok).map((c) => `${c.name}: ${c.detail}`);
  const text = `turning up: ${failed.length > 0 ? failed.join('; ') : 'checks not passed'}`;
  return text.length > 400 ? `${text.slice(0, 397)}...` : text;
}
