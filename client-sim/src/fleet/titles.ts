// The titles a fleet plays. Control has no listing endpoint, so ids come from --titles or
// from a catalog.json (--catalog); each id is then fetched with GET /v1/titles/:id, which
// checks that control is reachable and knows the title before any viewer starts, and gives
// the segment durations the live progress line needs.
import { readFile } from 'node:fs/promises';
import { type CatalogTitle, ControlClient, ControlClientError, parseCatalog } from '@ferry/protocol';
import type { Dispatcher } from 'undici';
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

/**
 * The title ids `--titles ID,…` or `--catalog catalog.json` name (one of them, not both);
 * `usage` makes the command's own usage error.
 */
export async function titleIdsFromFlags(
  flags: { titles?: string; catalog?: string },
  usage: (message: string) => Error,
): Promise<string[]> {
  if (flags.titles && flags.catalog) throw usage('give either --titles or --catalog, not both');
  const titleIds = flags.titles
    ? flags.titles
        .split(',')
        .map((t) => t.trim())
        .filter((t) => t.length > 0)
    : flags.catalog
      ? await titleIdsFromCatalog(flags.catalog)
      : [];
  if (titleIds.length === 0) {
    throw usage('no titles: pass --titles ID,… or --catalog catalog.json (control has no title listing)');
  }
  return titleIds;
}

export async function fetchTitles(
  control: string,
  ids: readonly string[],
  dispatcher?: Dispatcher,
): Promise<CatalogTitle[]> {
  const client = new ControlClient({
    baseUrl: control,
    timeoutMs: 5000,
    ...(dispatcher ? { dispatcher } : {}),
  });
  const out: CatalogTitle[] = [];
  for (const id of ids) {
    try {
      out.push(await client.getTitle(id));
    } catch (err) {
      throw setupError(control, id, err);
    }
  }
  return out;
}

function setupError(control: string, id: string, err: unknown): FleetSetupError {
  if (err instanceof ControlClientError && err.code === 'FERRY_ERR_CONTROL_STATUS') {
    if (err.status === 404)
      return new FleetSetupError('FERRY_ERR_SIM_CONTROL', `control does not know title "${id}"`);
    const url = new URL(`/v1/titles/${encodeURIComponent(id)}`, control);
    return new FleetSetupError(
      'FERRY_ERR_SIM_CONTROL',
      `GET ${url} answered HTTP ${err.status}: ${(err.body ?? '').slice(0, 200)}`,
    );
  }
  if (err instanceof ControlClientError && err.code !== 'FERRY_ERR_CONTROL_UNREACHABLE') {
    return new FleetSetupError('FERRY_ERR_SIM_CONTROL', err.message);
  }
  const cause = err instanceof ControlClientError && err.cause instanceof Error ? err.cause : (err as Error);
  return new FleetSetupError('FERRY_ERR_SIM_CONTROL', `control ${control} is unreachable: ${cause.message}`);
}
