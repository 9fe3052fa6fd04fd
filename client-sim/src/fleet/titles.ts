// The titles a fleet plays. Control has no listing endpoint, so ids come from --titles or
// from a catalog.json (--catalog); each id is then fetched with GET /v1/titles/:id, which
// checks that control is reachable and knows the title before any viewer starts, and gives
// the segment durations the live progress line needs.
import { readFile } from 'node:fs/promises';
import { type CatalogTitle, parseCatalog } from '@ferry/protocol';
import { type Dispatcher, request } from 'undici';
import { FleetSetupError } from './setup-error.js';

export async function titleIdsFromCatalog(file: string): Promise<string[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new FleetSetupError(
      'FERRY_ERR_SIM_USAGE',
      `cannot read catalog ${file}: ${(err as Error).message}`,
    );
  }
  try {
    return parseCatalog(JSON.parse(text)).titles.map((t) => t.id);
  } catch (err) {
    throw new FleetSetupError(
      'FERRY_ERR_SIM_USAGE',
      `catalog ${file} is not a valid catalog.json: ${(err as Error).message}`,
    );
  }
}

export async function fetchTitles(
  control: string,
  ids: readonly string[],
  dispatcher?: Dispatcher,
): Promise<CatalogTitle[]> {
  const out: CatalogTitle[] = [];
  for (const id of ids) {
    const url = new URL(`/v1/titles/${encodeURIComponent(id)}`, control);
    let status: number;
    let text: string;
    try {
      const res = await request(url, {
        ...(dispatcher ? { dispatcher } : {}),
        headersTimeout: 5000,
        bodyTimeout: 5000,
      });
      status = res.statusCode;
      text = await res.body.text();
    } catch (err) {
      throw new FleetSetupError(
        'FERRY_ERR_SIM_CONTROL',
        `control ${control} is unreachable: ${(err as Error).message}`,
      );
    }
    if (status === 404)
      throw new FleetSetupError('FERRY_ERR_SIM_CONTROL', `control does not know title "${id}"`);
    if (status !== 200)
      throw new FleetSetupError(
        'FERRY_ERR_SIM_CONTROL',
        `GET ${url} answered HTTP ${status}: ${text.slice(0, 200)}`,
      );
    out.push(JSON.parse(text) as CatalogTitle);
  }
  return out;
}
