// The SQLite state file's schema and its migrations, applied at open. user_version says which
// schema a file has; a file from a newer Ferry is refused rather than misread.
import type Database from 'better-sqlite3';

/** Bumped with every schema change. */
export const SQLITE_SCHEMA_VERSION = 5;

/** The first schema, kept as it was: new files start from it, and the migration test writes it. */
export const SCHEMA_V1 = `
CREATE TABLE appliances (id TEXT PRIMARY KEY, record TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE route_sets (appliance_id TEXT PRIMARY KEY, epoch TEXT NOT NULL, version INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE route_prefixes (appliance_id TEXT NOT NULL, prefix TEXT NOT NULL, PRIMARY KEY (appliance_id, prefix)) WITHOUT ROWID;
CREATE TABLE inventory_sets (appliance_id TEXT PRIMARY KEY, version INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE inventory_files (appliance_id TEXT NOT NULL, file_id TEXT NOT NULL, PRIMARY KEY (appliance_id, file_id)) WITHOUT ROWID;
CREATE TABLE catalog (id INTEGER PRIMARY KEY CHECK (id = 1), body TEXT NOT NULL);
CREATE TABLE events (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  time_ms INTEGER NOT NULL,
  appliance_id TEXT,
  kind TEXT NOT NULL,
  from_state TEXT,
  to_state TEXT,
  reason TEXT
);
CREATE INDEX events_by_appliance ON events (appliance_id, time_ms);
CREATE INDEX events_by_time ON events (time_ms);
`;

// v2: route sets by generation (sqlite-route-sets.ts). A snapshot is written under a new
// set_id in many small transactions and made current by flipping route_sets.set_id, so a
// 1M-prefix snapshot is never one multi-second synchronous transaction.
const MIGRATE_V2 = `
CREATE TABLE route_generations (set_id INTEGER PRIMARY KEY AUTOINCREMENT, appliance_id TEXT NOT NULL);
CREATE TABLE route_members (set_id INTEGER NOT NULL, prefix TEXT NOT NULL, PRIMARY KEY (set_id, prefix)) WITHOUT ROWID;
ALTER TABLE route_sets ADD COLUMN set_id INTEGER NOT NULL DEFAULT 0;
INSERT INTO route_generations (appliance_id) SELECT appliance_id FROM route_sets ORDER BY appliance_id;
UPDATE route_sets SET set_id = (SELECT g.set_id FROM route_generations g WHERE g.appliance_id = route_sets.appliance_id);
INSERT INTO route_members (set_id, prefix) SELECT s.set_id, p.prefix FROM route_prefixes p JOIN route_sets s USING (appliance_id);
DROP TABLE route_prefixes;
`;

// v3: enrolled appliance identities (docs/security.md), one JSON record per appliance.
const MIGRATE_V3 = `
CREATE TABLE identities (id TEXT PRIMARY KEY, identity TEXT NOT NULL) WITHOUT ROWID;
`;

// v4: chaos experiments (docs/chaos.md), one JSON record each; events name the experiment
// they are about and carry structured parameters.
const MIGRATE_V4 = `
CREATE TABLE experiments (id TEXT PRIMARY KEY, experiment TEXT NOT NULL) WITHOUT ROWID;
ALTER TABLE events ADD COLUMN experiment_id TEXT;
ALTER TABLE events ADD COLUMN detail TEXT;
CREATE INDEX events_by_experiment ON events (experiment_id, time_ms) WHERE experiment_id IS NOT NULL;
`;

// v5: operators' admin state per appliance (drain, maintenance window; docs/control.md
// "Admin state"), one JSON record each.
const MIGRATE_V5 = `
CREATE TABLE admin_states (id TEXT PRIMARY KEY, state TEXT NOT NULL) WITHOUT ROWID;
`;

// Generations a crash left half written (or not yet deleted) are referenced by no route set.
const DROP_ORPHANS = `
DELETE FROM route_members WHERE set_id IN
  (SELECT set_id FROM route_generations WHERE set_id NOT IN (SELECT set_id FROM route_sets));
DELETE FROM route_generations WHERE set_id NOT IN (SELECT set_id FROM route_sets);
`;

export function migrate(db: Database.Database): void {
  const current = db.pragma('user_version', { simple: true }) as number;
  if (current > SQLITE_SCHEMA_VERSION) {
    throw new Error(
      `state file has schema version ${current}, newer than this Ferry understands (${SQLITE_SCHEMA_VERSION})`,
    );
  }
  db.transaction(() => {
    if (current < 1) db.exec(SCHEMA_V1);
    if (current < 2) db.exec(MIGRATE_V2);
    if (current < 3) db.exec(MIGRATE_V3);
    if (current < 4) db.exec(MIGRATE_V4);
    if (current < 5) db.exec(MIGRATE_V5);
    db.pragma(`user_version = ${SQLITE_SCHEMA_VERSION}`);
  }).immediate();
  db.exec(DROP_ORPHANS);
}
