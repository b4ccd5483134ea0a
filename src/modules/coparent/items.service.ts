/**
 * Co-parenting calendar items (coparent.md "items"). Every rule and authorization check lives here:
 * items belong to a household (household.service.ts) and nobody outside it reaches them; within it,
 * every member reads every item; only the owner or the household's admin changes or deletes one; only
 * the admin creates an item for another member. Changes are published after commit on
 * `coparent.itemChanged`, with the household, and reach only its members.
 */
import { existingEm, VIEWER_CURRENT, type AppContext } from '../../context/context';
import { requireViewer } from '../../auth/guards';
import { householdOf, isHouseholdAdmin, memberHousehold } from './household.service';
import { AppMembership } from '../identity/app-membership.entity';
import { Application } from '../identity/enrollment';
import { badInput, forbidden, notFound } from '../../errors/domain-error';
import type { Topics } from '../../pubsub/topics';
import { User } from '../identity/user.entity';
import { CoparentItem } from './coparent-item.entity';
import type { CreateCoparentItemInput, UpdateCoparentItemInput } from './coparent.inputs';
import { CoparentChangeKind, CoparentItemChange } from './coparent.inputs';
import { monthOf, monthRange, parseDate } from './calendar-dates';
import { checkNoNul, isUuid, requiredText } from './coparent-common';
import { unitOfWork } from '../../db/unit-of-work';
import { epochMs, Statement, statement } from '../../db/prepared-sql';
import { userColumns, userFromRow } from '../identity/user-row';
import type { UserRow } from '../../auth/auth-store';
import { ITEMS_MAX } from './list-sizes';

const TYPE_MAX = 50;
const TITLE_MAX = 200;
const BODY_MAX = 10_000;

function checkType(value: unknown): string {
  return requiredText(value, 'type', TYPE_MAX);
}

function checkBody(value: unknown): string {
  if (value === undefined || value === null) return '';
  if (typeof value !== 'string') throw badInput('body must be a string', { body: 'must be a string' });
  if (value.length > BODY_MAX) throw badInput(`body must be at most ${BODY_MAX} characters`, { body: `must be at most ${BODY_MAX} characters` });
  checkNoNul(value, 'body');
  return value;
}

/** An item of the household, or NOT_FOUND (another household's item does not exist for this viewer). */
async function findItem(ctx: AppContext, household: string, id: string): Promise<CoparentItem> {
  const item = isUuid(id) ? await ctx.em.findOne(CoparentItem, { id, household }, { populate: ['owner'] }) : null;
  if (!item) throw notFound('Item not found');
  return item;
}

/** coparent.md: non-admins may only mutate items whose ownerId matches their user id. */
function assertCanModify(ctx: AppContext, item: CoparentItem): void {
  const viewer = requireViewer(ctx);
  if (item.owner.id !== viewer.id && !isHouseholdAdmin(ctx)) throw forbidden('Only the owner or an admin can change this item');
}

function publish(ctx: AppContext, kind: Topics['coparent.itemChanged']['kind'], item: CoparentItem, householdId: string): void {
  const payload = { kind, itemId: item.id, date: item.date, householdId };
  ctx.publish('coparent.itemChanged', payload);
}

/**
 * A read-only item of a list: plain data with its owner loaded. Lists skip entity hydration, the identity
 * map and change tracking (a month may hold a thousand items; hydrating 200 entities cost several times
 * the query itself) and cost two statements whatever their length: the items, then their distinct owners.
 */
export interface CoparentItemRow {
  id: string;
  date: string;
  type: string;
  title: string;
  body: string;
  ownerId: string;
  owner: User;
  createdAt: Date;
  updatedAt: Date;
}

interface ItemRecord {
  id: string;
  date: string;
  type: string;
  title: string;
  body: string;
  owner_id: string;
  created_ms: number;
  updated_ms: number;
}

const ITEMS_BETWEEN = statement(
  'coparent_items_between',
  `select id, date, type, title, body, owner_id,
          ${epochMs('created_at', 'created_ms')}, ${epochMs('updated_at', 'updated_ms')}
     from coparent_items
    where household_id = $3 and date >= $1 and date <= $2
    order by date, created_at, id
    limit ${ITEMS_MAX}`,
);

let ownersStatement: Statement | undefined;

/** The owners' users rows: the entity's columns (a prepared statement may not read `*`). */
function owners(ctx: AppContext): Statement {
  return (ownersStatement ??= statement('coparent_item_owners', `select ${userColumns(ctx.app.orm, 'u')} from users u where u.id = any($1::uuid[])`));
}

async function listRows(ctx: AppContext, from: string, to: string): Promise<CoparentItemRow[]> {
  const household = await householdOf(ctx);
  // two named prepared statements (src/db/prepared-sql.ts): planned once per connection, not per request
  const records = await ctx.app.sql.read<ItemRecord>(existingEm(ctx), ITEMS_BETWEEN, [from, to, household]);
  const ownerIds = [...new Set(records.map((r) => r.owner_id))];
  const ownerRows = ownerIds.length ? await ctx.app.sql.read<UserRow>(existingEm(ctx), owners(ctx), [ownerIds]) : [];
  // read-only Users built from the rows (user-row.ts, as the viewer's profile): no entity hydration
  const byId = new Map(ownerRows.map((row) => [row.id, userFromRow(ctx.app.orm, row)]));
  // An owner deleted between the two statements took the item with them (cascade): leave it out.
  return records
    .filter((r) => byId.has(r.owner_id))
    .map((r) => ({
      id: r.id,
      date: r.date,
      type: r.type,
      title: r.title,
      body: r.body,
      ownerId: r.owner_id,
      owner: byId.get(r.owner_id)!,
      createdAt: new Date(r.created_ms),
      updatedAt: new Date(r.updated_ms),
    }));
}

/** Items dated in a `YYYY-MM` month, by date then creation; at most ITEMS_MAX (list-sizes.ts). */
export async function listItemsOfMonth(ctx: AppContext, month: string): Promise<CoparentItemRow[]> {
  requireViewer(ctx);
  const { start, end } = monthRange(month);
  return listRows(ctx, start, end);
}

export async function listItemsOfDay(ctx: AppContext, date: string): Promise<CoparentItemRow[]> {
  requireViewer(ctx);
  const day = parseDate(date);
  return listRows(ctx, day, day);
}

export async function getItem(ctx: AppContext, id: string): Promise<CoparentItem> {
  return findItem(ctx, await householdOf(ctx), id);
}

/** coparent.md: admins may set owner_id explicitly (a member of the household); anyone else may only name themselves. */
export async function createItem(ctx: AppContext, input: CreateCoparentItemInput): Promise<CoparentItem> {
  const viewer = requireViewer(ctx);
  const household = await householdOf(ctx);
  const date = parseDate(input.date);
  const type = checkType(input.type);
  const title = requiredText(input.title, 'title', TITLE_MAX);
  const body = checkBody(input.body);
  let ownerId = viewer.id;
  if (input.ownerId !== undefined && input.ownerId !== null && input.ownerId !== viewer.id) {
    if (!isHouseholdAdmin(ctx)) throw forbidden('Only admins can create items for another user');
    if (!isUuid(input.ownerId)) throw badInput('owner_id does not name a user', { owner_id: 'does not name a user' });
    ownerId = input.ownerId;
  }
  return unitOfWork(ctx, async ({ em }) => {
    const owner =
      ownerId === viewer.id
        ? viewer.user
        : (await em.count(AppMembership, { user: ownerId, application: Application.COPARENT, household }))
          ? await em.findOne(User, { id: ownerId, deletedAt: null })
          : null;
    if (!owner) throw badInput('owner_id does not name a user', { owner_id: 'does not name a user' });
    const item = em.create(CoparentItem, { date, type, title, body, owner, ownerId: owner.id, household });
    em.persist(item);
    await em.flush();
    publish(ctx, 'CREATED', item, household);
    return item;
  });
}

/** Any subset of title, body and type; nothing to change is BAD_USER_INPUT. */
export async function updateItem(ctx: AppContext, id: string, input: UpdateCoparentItemInput): Promise<CoparentItem> {
  const household = await householdOf(ctx);
  if (input.title === undefined && input.body === undefined && input.type === undefined) {
    throw badInput('Nothing to update: give title, body or type');
  }
  const title = input.title !== undefined ? requiredText(input.title, 'title', TITLE_MAX) : undefined;
  const type = input.type !== undefined ? checkType(input.type) : undefined;
  const body = input.body !== undefined ? checkBody(input.body) : undefined;
  return unitOfWork(ctx, async ({ em }) => {
    const item = isUuid(id) ? await em.findOne(CoparentItem, { id, household }, { populate: ['owner'] }) : null;
    if (!item) throw notFound('Item not found');
    assertCanModify(ctx, item);
    if (title !== undefined) item.title = title;
    if (type !== undefined) item.type = type;
    if (body !== undefined) item.body = body;
    await em.flush();
    publish(ctx, 'UPDATED', item, household);
    return item;
  });
}

export async function deleteItem(ctx: AppContext, id: string): Promise<boolean> {
  const household = await householdOf(ctx);
  return unitOfWork(ctx, async ({ em }) => {
    const item = isUuid(id) ? await em.findOne(CoparentItem, { id, household }) : null;
    if (!item) throw notFound('Item not found');
    assertCanModify(ctx, item);
    em.remove(item);
    await em.flush();
    publish(ctx, 'DELETED', item, household);
    return true;
  });
}

// --- live changes ------------------------------------------------------------------------------

/** Checked when a client subscribes: a member of a household, and a valid month. Returns the month to filter on. */
export async function subscribeItemChanges(ctx: AppContext, month: string): Promise<string> {
  await householdOf(ctx);
  monthRange(month);
  return month;
}

/**
 * Per subscriber and per event: the month matches and the item belongs to the household the subscriber
 * is a member of now (the viewer read again: a member taken out or moved stops receiving at once).
 */
export function itemChangeVisible(ctx: AppContext, month: string, event: Topics['coparent.itemChanged']): boolean | Promise<boolean> {
  if (monthOf(event.date) !== month) return false;
  // read for this event: the pipeline's access re-check of the same event reuses it
  const refreshed = ctx.refreshViewer(event);
  // answered from the session cache (the usual case): decided synchronously, no promise per subscriber and event
  if (refreshed === VIEWER_CURRENT) return visibleTo(ctx, event);
  return refreshed.then(() => visibleTo(ctx, event));
}

function visibleTo(ctx: AppContext, event: Topics['coparent.itemChanged']): boolean | Promise<boolean> {
  if (!ctx.viewer) return false;
  // a member's household without householdOf's promise (per subscriber and event)
  const own = memberHousehold(ctx.viewer);
  if (own) return own === event.householdId;
  return householdOf(ctx)
    .catch(() => null)
    .then((h) => h === event.householdId);
}

/** The event as subscribers see it: the item read fresh (its owner too), null once deleted. */
export async function itemChange(ctx: AppContext, event: Topics['coparent.itemChanged']): Promise<CoparentItemChange> {
  let item: CoparentItem | null = null;
  if (event.kind !== 'DELETED') {
    // A fresh fork per event, owner populated: a long-lived subscription never serves stale rows.
    item = await ctx.em.fork().findOne(CoparentItem, { id: event.itemId }, { populate: ['owner'] });
  }
  return { kind: event.kind as CoparentChangeKind, itemId: event.itemId, date: event.date, item };
}
