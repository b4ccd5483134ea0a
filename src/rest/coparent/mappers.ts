/**
 * The coparent API's JSON shapes (coparent.md) from GraphQL results: an item's `date` is rendered as
 * ISO midnight UTC, the schedule's days become a map keyed by date, users show id, username, role and
 * createdAt only.
 */
import type { CoparentItemsQuery, CoparentScheduleQuery, CoparentCycleTemplateQuery, CoparentAdminUsersQuery } from '../../generated/graphql';

type Item = CoparentItemsQuery['coparentItems'][number];
type Block = CoparentScheduleQuery['coparentSchedule']['blocks'][number];
type Day = CoparentScheduleQuery['coparentSchedule']['days'][number];
type Template = NonNullable<CoparentCycleTemplateQuery['coparentCycleTemplate']>;
type UserRow = Pick<CoparentAdminUsersQuery['householdMembers'][number], 'id' | 'username' | 'coparentRole'> & { createdAt?: unknown };

/** `2024-10-07` → `2024-10-07T00:00:00.000Z`. */
export function isoMidnight(date: string): string {
  return `${date}T00:00:00.000Z`;
}

export function legacyItem(i: Item) {
  return {
    id: i.id,
    date: isoMidnight(i.date),
    type: i.type,
    title: i.title,
    body: i.body,
    ownerId: i.owner.id,
    owner: { id: i.owner.id, username: i.owner.username },
    createdAt: i.createdAt,
    updatedAt: i.updatedAt,
  };
}

export function legacyBlock(b: Block) {
  return {
    id: b.id,
    startDate: b.startDate,
    endDate: b.endDate,
    owner: b.owner,
    label: b.label ?? null,
    color: b.color ?? null,
    createdAt: b.createdAt,
    updatedAt: b.updatedAt,
  };
}

export function legacyDays(days: readonly Day[]): Record<string, { owner: string; label: string | null; color: string | null; blockId: string }> {
  const out: Record<string, { owner: string; label: string | null; color: string | null; blockId: string }> = {};
  for (const d of days) out[d.date] = { owner: d.owner, label: d.label ?? null, color: d.color ?? null, blockId: d.blockId };
  return out;
}

export function legacyTemplate(t: Template) {
  return {
    id: t.id,
    name: t.name,
    days: t.days.map((d) => ({ dayIndex: d.dayIndex, owner: d.owner, label: d.label ?? null, color: d.color ?? null })),
    createdAt: t.createdAt,
    updatedAt: t.updatedAt,
  };
}

/** A user as coparent shows it; `role` is the household role (coparentRole), USER for a user in no household. */
export function legacyUser(u: UserRow) {
  return { id: u.id, username: u.username, role: u.coparentRole, ...(u.createdAt !== undefined ? { createdAt: u.createdAt } : {}) };
}
