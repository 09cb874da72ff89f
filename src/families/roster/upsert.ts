import type { Tx } from '../../../db/client';
import * as repo from '../../../db/repositories/roster';
import type { Counts } from './report';

const IGNORED = new Set(['createdAt', 'updatedAt']);

/** True when any given value differs from the stored row (timestamps aside). */
export function differs(row: object, values: object): boolean {
  const stored = row as Record<string, unknown>;
  return Object.entries(values).some(([k, v]) => !IGNORED.has(k) && (stored[k] ?? null) !== (v ?? null));
}

export interface UpsertPlan<V> {
  inserts: { key: string; values: V }[];
  updates: { id: number; values: V }[];
  /** key → id for rows that already exist (new rows get theirs on insert). */
  ids: Map<string, number>;
}

/**
 * Sorts incoming records into new, changed and unchanged against what is stored, counting as
 * it goes. A record the file marks inactive deactivates its stored row, and is not created when
 * there is none. The caller writes the plan; ids of inserted rows come back from the insert.
 */
export function planUpsert<R extends { id: number }, V extends object>(
  existing: Map<string, R>,
  incoming: { key: string; values: V }[],
  c: Counts,
): UpsertPlan<V> {
  const plan: UpsertPlan<V> = { inserts: [], updates: [], ids: new Map() };
  for (const item of incoming) {
    const row = existing.get(item.key);
    const active = (item.values as { active?: boolean }).active;
    if (!row) {
      if (active === false) continue;
      plan.inserts.push(item);
      c.created++;
      continue;
    }
    plan.ids.set(item.key, row.id);
    if (!differs(row, item.values)) c.unchanged++;
    else {
      plan.updates.push({ id: row.id, values: item.values });
      const deactivating = (row as { active?: boolean }).active === true && active === false;
      if (deactivating) c.deactivated++;
      else c.updated++;
    }
  }
  return plan;
}

export function byKey<R>(rows: R[], key: (r: R) => string | null): Map<string, R> {
  const m = new Map<string, R>();
  for (const r of rows) {
    const k = key(r);
    if (k !== null) m.set(k, r);
  }
  return m;
}

/** Writes a plan: changed rows updated, new rows inserted (with `onInsert` added), their ids recorded. */
export async function writePlan<T extends repo.TableWithId>(
  tx: Tx,
  table: T,
  plan: UpsertPlan<object>,
  stamps: { createdAt: string; updatedAt?: string },
  onInsert: object = {},
): Promise<Map<string, number>> {
  const updated = stamps.updatedAt === undefined ? {} : { updatedAt: stamps.updatedAt };
  for (const u of plan.updates) await repo.updateRow(tx, table, u.id, { ...u.values, ...updated } as Partial<T['$inferInsert']>);
  const ids = await repo.insertMany(
    tx,
    table,
    plan.inserts.map((i) => ({ ...i.values, ...onInsert, createdAt: stamps.createdAt, ...updated }) as T['$inferInsert']),
  );
  plan.inserts.forEach((i, n) => plan.ids.set(i.key, ids[n]));
  return plan.ids;
}

/** Deactivates stored rows the file no longer holds: never deleted, so their history stays. */
export async function deactivateMissing<T extends repo.TableWithId>(
  tx: Tx,
  table: T,
  rows: { id: number; active: boolean }[],
  missing: (row: never) => boolean,
  patch: Partial<T['$inferInsert']>,
  c: Counts,
): Promise<void> {
  for (const row of rows) {
    if (row.active && missing(row as never)) {
      await repo.updateRow(tx, table, row.id, { active: false, ...patch } as Partial<T['$inferInsert']>);
      c.deactivated++;
    }
  }
}
