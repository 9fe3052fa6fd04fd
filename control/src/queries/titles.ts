// GET /v1/titles/{id}: one catalog entry as posted.
import type { TitleView } from '@ferry/protocol';
import { Errors, FerryError } from '../errors.js';
import type { ControlModel } from '../model/model.js';

export function getTitle(model: ControlModel, id: string): TitleView {
  const title = model.getTitle(id);
  if (!title) throw new FerryError(Errors.UNKNOWN_TITLE, id);
  return title;
}
