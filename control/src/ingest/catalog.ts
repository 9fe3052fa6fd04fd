// POST /v1/catalog's use case: check catalog.json against protocol's schema and rules, store
// it, then serve it from the model.
import { type Catalog, CatalogError, parseCatalog } from '@ferry/protocol';
import { Errors, FerryError } from '../errors.js';
import type { ControlModel } from '../model/model.js';
import type { StateStore } from '../state/store.js';

export async function ingestCatalog(
  target: { store: StateStore; model: ControlModel },
  body: unknown,
): Promise<{ titles: number; streams: number }> {
  let catalog: Catalog;
  try {
    catalog = parseCatalog(body);
  } catch (err) {
    if (err instanceof CatalogError)
      throw new FerryError(Errors.CATALOG_INVALID, err.message, { replaceMessage: true });
    throw err;
  }
  await target.store.putCatalog(catalog);
  target.model.setCatalog(catalog);
  const streams = catalog.titles.reduce((n, t) => n + t.streams.length, 0);
  return { titles: catalog.titles.length, streams };
}
