// Route sets in SQLite by generation (schema v2, sqlite-schema.ts). better-sqlite3 is
// synchronous, so one transaction of a million inserts would stop control for seconds. A
// snapshot instead gets a new set_id, its rows go in as one short transaction per turn of the
// event loop (SLICE_BUDGET_MS of inserts, a few thousand rows), one small transaction flips route_sets to the new set_id (readers see the
// old set or the new one, never a mix), and the old generation is deleted in slices after.
import type Database from 'better-sqlite3';
import { SliceClock } from '../slices.js';
import type { RouteSet, RouteSetInput } from './store.js';

/** Rows per DELETE statement: about a millisecond of work. */
const DELETE_ROWS = 1000;

interface Current {
  epoch: string;
  version: number;
  set_id: number;
}

export interface RoutesDelta {
  epoch: string;
  since: number;
  version: number;
  announced: string[];
  withdrawn: string[];
}

function prepare(db: Database.Database) {
  return {
    current: db.prepare('SELECT epoch, version, set_id FROM route_sets WHERE appliance_id = ?'),
    point: db.prepare(
      'INSERT OR REPLACE INTO route_sets (appliance_id, epoch, version, set_id) VALUES (?, ?, ?, ?)',
    ),
    setVersion: db.prepare('UPDATE route_sets SET version = ? WHERE appliance_id = ?'),
    newGeneration: db.prepare('INSERT INTO route_generations (appliance_id) VALUES (?)'),
    dropGeneration: db.prepare('DELETE FROM route_generations WHERE set_id = ?'),
    add: db.prepare('INSERT OR IGNORE INTO route_members (set_id, prefix) VALUES (?, ?)'),
    remove: db.prepare('DELETE FROM route_members WHERE set_id = ? AND prefix = ?'),
    removeSome: db.prepare(
      'DELETE FROM route_members WHERE set_id = ? AND prefix IN (SELECT prefix FROM route_members WHERE set_id = ? LIMIT ?)',
    ),
    list: db.prepare('SELECT prefix FROM route_members WHERE set_id = ?').pluck(),
  };
}

export class SqliteRouteSets {
  private readonly stmt: ReturnType<typeof prepare>;

  constructor(private readonly db: Database.Database) {
    this.stmt = prepare(db);
  }

  /** Writes the new generation in slices, flips to it, then deletes the old one in slices. */
  async put(id: string, routes: RouteSetInput): Promise<void> {
    const setId = Number(this.stmt.newGeneration.run(id).lastInsertRowid);
    const clock = new SliceClock();
    // Inserts until the slice has used its time; true once the prefixes are all in.
    const insertSome = this.db.transaction((rest: Iterator<string>): boolean => {
      for (let r = rest.next(); !r.done; r = rest.next()) {
        this.stmt.add.run(setId, r.value);
        if (clock.spent()) return false;
      }
      return true;
    });
    const rest = routes.prefixes[Symbol.iterator]();
    let old: number | undefined;
    try {
      while (!insertSome(rest)) await clock.yield();
      // Read inside the flip: two puts racing each delete exactly the generation they replaced.
      old = this.db.transaction(() => {
        const cur = this.stmt.current.get(id) as Current | undefined;
        this.stmt.point.run(id, routes.epoch, routes.version, setId);
        return cur?.set_id;
      })();
    } catch (err) {
      await this.drop(setId);
      throw err;
    }
    if (old !== undefined) await this.drop(old);
  }

  applyDelta(id: string, delta: RoutesDelta): boolean {
    return this.db.transaction((): boolean => {
      const cur = this.stmt.current.get(id) as Current | undefined;
      if (!cur || cur.epoch !== delta.epoch || cur.version !== delta.since) return false;
      // Withdrawals first, as in a BGP UPDATE, so a prefix in both lists ends up present.
      for (const p of delta.withdrawn) this.stmt.remove.run(cur.set_id, p);
      for (const p of delta.announced) this.stmt.add.run(cur.set_id, p);
      this.stmt.setVersion.run(delta.version, id);
      return true;
    })();
  }

  get(id: string): RouteSet | undefined {
    // One read transaction, so the version always matches the prefixes read with it.
    return this.db.transaction((): RouteSet | undefined => {
      const cur = this.stmt.current.get(id) as Current | undefined;
      if (!cur) return undefined;
      return { epoch: cur.epoch, version: cur.version, prefixes: this.stmt.list.all(cur.set_id) as string[] };
    })();
  }

  /** Deletes one generation's rows, a slice per turn of the event loop. */
  private async drop(setId: number): Promise<void> {
    const clock = new SliceClock();
    // Each pass deletes at least one row or ends the loop, so it ends.
    while (this.stmt.removeSome.run(setId, setId, DELETE_ROWS).changes > 0) {
      if (clock.spent(1)) await clock.yield();
    }
    this.stmt.dropGeneration.run(setId);
  }
}
