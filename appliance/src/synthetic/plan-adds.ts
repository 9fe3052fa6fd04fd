// Turns `ferry content add` arguments into (path, id) pairs, collecting every problem
// (missing file, not a file, bad id, the same id twice) instead of stopping at the first.

import { statSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { isValidFileId } from '@ferry/protocol';
import { type StoreErrorSpec, StoreErrors } from '../store/errors.js';

export interface AddPlan {
  adds: { path: string; id: string }[];
  problems: { error: StoreErrorSpec; message: string }[];
}

export function planAdds(files: string[]): AddPlan {
  const plan: AddPlan = { adds: [], problems: [] };
  const seen = new Set<string>();
  for (const file of files) {
    const path = resolve(file);
    const id = basename(path);
    const st = statSync(path, { throwIfNoEntry: false });
    if (!st) {
      plan.problems.push({ error: StoreErrors.SOURCE_MISSING, message: `no such file: ${file}` });
    } else if (!st.isFile()) {
      plan.problems.push({ error: StoreErrors.SOURCE_NOT_FILE, message: `not a regular file: ${file}` });
    } else if (!isValidFileId(id)) {
      plan.problems.push({
        error: StoreErrors.BAD_FILE_ID,
        message: `bad file id ${JSON.stringify(id)} (from ${file}): must be 1-128 of [A-Za-z0-9._-], not starting with a dot`,
      });
    } else if (seen.has(id)) {
      plan.problems.push({ error: StoreErrors.BAD_FILE_ID, message: `file id ${id} is given twice` });
    } else {
      seen.add(id);
      plan.adds.push({ path, id });
    }
  }
  return plan;
}
