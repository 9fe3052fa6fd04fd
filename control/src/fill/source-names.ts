// Which appliance a fill report's `source` names. The agent names a peer or parent source by
// its appliance id, as the manifest listed it; `peer:ID` / `parent:ID` and the source's URL
// are understood too. Anything else (`origin`, an object key) names no appliance.
import type { ControlModel } from '../model/model.js';

export function sourceAppliance(model: ControlModel, source: string): string | undefined {
  if (model.getAppliance(source)) return source;
  const tagged = /^(?:peer|parent):(.+)$/.exec(source);
  if (tagged && model.getAppliance(tagged[1]!)) return tagged[1];
  let origin: string;
  try {
    origin = new URL(source).origin;
  } catch {
    return undefined;
  }
  return model.listAppliances().find((rec) => sameOrigin(rec.url, origin))?.id;
}

function sameOrigin(url: string, origin: string): boolean {
  try {
    return new URL(url).origin === origin;
  } catch {
    return false;
  }
}
