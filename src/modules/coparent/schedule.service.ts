/**
 * The custody schedule (coparent.md "schedule"): blocks of days with an owner label, the days view of a
 * range, and the cycle template laid out from an anchor date. Each household has its own (household.service.ts):
 * its members read the schedule; blocks and the template are for its admin. Changes are published
 * after commit on `coparent.scheduleChanged`, with the household, and reach only its members.
 */
import { LOCKS } from '../../db/locks';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { AppContext } from '../../context/context';
import { badInput, notFound } from '../../errors/domain-error';
import type { Topics } from '../../pubsub/topics';
import { administeredHousehold, householdOf, isHouseholdAdmin } from './household.service';
import { CoparentScheduleBlock } from './schedule-block.entity';
import { CoparentCycleTemplate, CoparentCycleTemplateDay } from './cycle-template.entity';
import {
  ApplyCoparentCycleTemplateInput,
  CoparentCycleApplyResult,
  CoparentCycleTemplateInput,
  CoparentSchedule,
  CoparentScheduleChange,
  CoparentScheduleChangeKind,
  CoparentScheduleDay,
  CreateCoparentScheduleBlockInput,
  UpdateCoparentScheduleBlockInput,
} from './coparent.inputs';
import { addDays, dateRange, DateRange, daysBetween, eachDay, monthRange, parseDate } from './calendar-dates';
import { isUuid, optionalText, requiredText } from './coparent-common';
import { unitOfWork } from '../../db/unit-of-work';
import { BLOCKS_MAX, SCHEDULE_MAX_DAYS, TEMPLATE_MAX_DAYS } from './list-sizes';

const OWNER_MAX = 100;
const LABEL_MAX = 100;
const COLOR_MAX = 50;
const NAME_MAX = 200;
/** The longest range the days view answers (two years): bounds the work of one request. */
export { TEMPLATE_MAX_DAYS };
export const DEFAULT_CYCLES = 6;
export const MAX_CYCLES = 100;
/** Serializes template saves and applications (one active template per household, no interleaved layouts). */
const TEMPLATE_LOCK = LOCKS.coparentTemplate;
const BLOCK_ORDER = { startDate: 'asc', endDate: 'asc', createdAt: 'asc', id: 'asc' } as const;

type ScheduleEvent = Topics['coparent.scheduleChanged'];

function publish(ctx: AppContext, event: ScheduleEvent): void {
  ctx.publish('coparent.scheduleChanged', event);
}

function overlapping(range: DateRange) {
  return { startDate: { $lte: range.end }, endDate: { $gte: range.start } };
}

async function findBlock(em: EntityManager, household: string, id: string): Promise<CoparentScheduleBlock> {
  const block = isUuid(id) ? await em.findOne(CoparentScheduleBlock, { id, household }) : null;
  if (!block) throw notFound('Schedule block not found');
  return block;
}

/**
 * The range of the days view: `month`, or `start` and `end` together (inclusive). A month wins when both
 * are given; neither is BAD_USER_INPUT.
 */
function scheduleRange(month?: string | null, start?: string | null, end?: string | null): DateRange {
  if (month !== undefined && month !== null) return monthRange(month);
  if (start === undefined || start === null || end === undefined || end === null) {
    throw badInput('Give month (YYYY-MM) or both start and end (YYYY-MM-DD)', { month: 'or start and end is required' });
  }
  const range = dateRange(start, end);
  if (daysBetween(range.start, range.end) >= SCHEDULE_MAX_DAYS) {
    throw badInput(`The range may cover at most ${SCHEDULE_MAX_DAYS} days`, { end: `must be within ${SCHEDULE_MAX_DAYS} days of start` });
  }
  return range;
}

/**
 * Which block decides each day: coparent issue 3, where blocks overlap a day, the most recently updated
 * one (ties: the later created, then the greater id) wins. Only days some block covers are listed.
 */
export function resolveDays(range: DateRange, blocks: CoparentScheduleBlock[]): CoparentScheduleDay[] {
  const byRecency = [...blocks].sort(
    (a, b) => a.updatedAt.getTime() - b.updatedAt.getTime() || a.createdAt.getTime() - b.createdAt.getTime() || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0),
  );
  const winner = new Map<string, CoparentScheduleBlock>();
  const days = eachDay(range);
  const index = new Map(days.map((d, i) => [d, i]));
  for (const block of byRecency) {
    const from = block.startDate > range.start ? block.startDate : range.start;
    const to = block.endDate < range.end ? block.endDate : range.end;
    for (let i = index.get(from)!, last = index.get(to)!; i <= last; i++) winner.set(days[i], block);
  }
  return days
    .filter((d) => winner.has(d))
    .map((d) => {
      const b = winner.get(d)!;
      return { date: d, owner: b.owner, label: b.label ?? null, color: b.color ?? null, blockId: b.id };
    });
}

/** The days view and the blocks of a month or an inclusive range; anyone signed in. */
export async function getSchedule(ctx: AppContext, month?: string | null, start?: string | null, end?: string | null): Promise<CoparentSchedule> {
  const household = await householdOf(ctx);
  const range = scheduleRange(month, start, end);
  const blocks = await ctx.em.find(CoparentScheduleBlock, { household, ...overlapping(range) }, { orderBy: BLOCK_ORDER });
  // every block decides its days; the list answers the first BLOCKS_MAX (list-sizes.ts)
  return { start: range.start, end: range.end, days: resolveDays(range, blocks), blocks: blocks.slice(0, BLOCKS_MAX) };
}

/** Admin: blocks overlapping the optional inclusive range, by startDate. */
export async function listBlocks(ctx: AppContext, start?: string | null, end?: string | null): Promise<CoparentScheduleBlock[]> {
  const household = await administeredHousehold(ctx);
  const where: Record<string, unknown> = { household };
  const s = start !== undefined && start !== null ? parseDate(start, 'start') : undefined;
  const e = end !== undefined && end !== null ? parseDate(end, 'end') : undefined;
  if (s !== undefined && e !== undefined && e < s) throw badInput('end must not be before start', { end: 'must not be before start' });
  if (e !== undefined) where.startDate = { $lte: e };
  if (s !== undefined) where.endDate = { $gte: s };
  return ctx.em.find(CoparentScheduleBlock, where, { orderBy: BLOCK_ORDER, limit: BLOCKS_MAX });
}

export async function createBlock(ctx: AppContext, input: CreateCoparentScheduleBlockInput): Promise<CoparentScheduleBlock> {
  const household = await administeredHousehold(ctx);
  const range = dateRange(input.startDate, input.endDate, ['startDate', 'endDate']);
  const owner = requiredText(input.owner, 'owner', OWNER_MAX);
  const label = optionalText(input.label, 'label', LABEL_MAX);
  const color = optionalText(input.color, 'color', COLOR_MAX);
  return unitOfWork(ctx, async ({ em }) => {
    const block = em.create(CoparentScheduleBlock, { startDate: range.start, endDate: range.end, owner, label, color, household });
    em.persist(block);
    await em.flush();
    publish(ctx, { kind: 'BLOCK_CREATED', blockId: block.id, startDate: block.startDate, endDate: block.endDate, householdId: household });
    return block;
  });
}

/** Any subset; label and color may be set to null; nothing to change is BAD_USER_INPUT. */
export async function updateBlock(ctx: AppContext, id: string, input: UpdateCoparentScheduleBlockInput): Promise<CoparentScheduleBlock> {
  const household = await administeredHousehold(ctx);
  const given = (['startDate', 'endDate', 'owner', 'label', 'color'] as const).filter((k) => input[k] !== undefined);
  if (given.length === 0) throw badInput('Nothing to update: give startDate, endDate, owner, label or color');
  const startDate = input.startDate !== undefined ? parseDate(input.startDate, 'startDate') : undefined;
  const endDate = input.endDate !== undefined ? parseDate(input.endDate, 'endDate') : undefined;
  const owner = input.owner !== undefined ? requiredText(input.owner, 'owner', OWNER_MAX) : undefined;
  const label = input.label !== undefined ? optionalText(input.label, 'label', LABEL_MAX) : undefined;
  const color = input.color !== undefined ? optionalText(input.color, 'color', COLOR_MAX) : undefined;
  return unitOfWork(ctx, async ({ em }) => {
    const block = await findBlock(em, household, id);
    const before = { start: block.startDate, end: block.endDate };
    const range = dateRange(startDate ?? block.startDate, endDate ?? block.endDate, ['startDate', 'endDate']);
    block.startDate = range.start;
    block.endDate = range.end;
    if (owner !== undefined) block.owner = owner;
    if (label !== undefined) block.label = label;
    if (color !== undefined) block.color = color;
    // Always bump updatedAt, even when the values are the same: an update makes the block the most recent one.
    block.updatedAt = new Date();
    await em.flush();
    publish(ctx, {
      kind: 'BLOCK_UPDATED',
      blockId: block.id,
      startDate: before.start < range.start ? before.start : range.start,
      endDate: before.end > range.end ? before.end : range.end,
      householdId: household,
    });
    return block;
  });
}

export async function deleteBlock(ctx: AppContext, id: string): Promise<boolean> {
  const household = await administeredHousehold(ctx);
  return unitOfWork(ctx, async ({ em }) => {
    const block = await findBlock(em, household, id);
    em.remove(block);
    await em.flush();
    publish(ctx, { kind: 'BLOCK_DELETED', blockId: block.id, startDate: block.startDate, endDate: block.endDate, householdId: household });
    return true;
  });
}

// --- cycle template ----------------------------------------------------------------------------

function activeTemplate(em: EntityManager, household: string): Promise<CoparentCycleTemplate | null> {
  return em.findOne(CoparentCycleTemplate, { household });
}

/** Admin: the household's active template, or null before one is saved. */
export async function getCycleTemplate(ctx: AppContext): Promise<CoparentCycleTemplate | null> {
  return activeTemplate(ctx.em, await administeredHousehold(ctx));
}

/** coparent.md: 1 to 42 entries covering contiguous indices from 0 (in any order in the request). */
function checkTemplateDays(days: unknown): CoparentCycleTemplateDay[] {
  if (!Array.isArray(days) || days.length < 1 || days.length > TEMPLATE_MAX_DAYS) {
    throw badInput(`days must hold 1 to ${TEMPLATE_MAX_DAYS} entries`, { days: `must hold 1 to ${TEMPLATE_MAX_DAYS} entries` });
  }
  const out = days.map((d: Partial<CoparentCycleTemplateDay> | null, i): CoparentCycleTemplateDay => {
    if (typeof d !== 'object' || d === null) throw badInput(`days[${i}] must be an object`, { days: `entry ${i} must be an object` });
    if (typeof d.dayIndex !== 'number' || !Number.isInteger(d.dayIndex) || d.dayIndex < 0) {
      throw badInput(`days[${i}].dayIndex must be a whole number from 0`, { days: `entry ${i} needs a dayIndex from 0` });
    }
    return {
      dayIndex: d.dayIndex,
      owner: requiredText(d.owner, `days[${i}].owner`, OWNER_MAX),
      label: optionalText(d.label, `days[${i}].label`, LABEL_MAX),
      color: optionalText(d.color, `days[${i}].color`, COLOR_MAX),
    };
  });
  out.sort((a, b) => a.dayIndex - b.dayIndex);
  out.forEach((d, i) => {
    if (d.dayIndex !== i) {
      throw badInput(`days must cover the indices 0 to ${out.length - 1} exactly once`, { days: `must cover 0..${out.length - 1} exactly once` });
    }
  });
  return out;
}

/** Admin: saves the household's active template (replacing the previous one). */
export async function setCycleTemplate(ctx: AppContext, input: CoparentCycleTemplateInput): Promise<CoparentCycleTemplate> {
  const household = await administeredHousehold(ctx);
  const name = requiredText(input.name, 'name', NAME_MAX);
  const days = checkTemplateDays(input.days);
  return unitOfWork(ctx, async ({ em }) => {
    await em.execute('select pg_advisory_xact_lock(?)', [TEMPLATE_LOCK]);
    let template = await activeTemplate(em, household);
    if (template) {
      template.name = name;
      template.days = days;
      template.updatedAt = new Date();
    } else {
      template = em.create(CoparentCycleTemplate, { name, days, household });
      em.persist(template);
    }
    await em.flush();
    publish(ctx, { kind: 'TEMPLATE_SAVED', blockId: null, startDate: null, endDate: null, householdId: household });
    return template;
  });
}

/** The blocks of `cycles` laid-out cycles from the anchor, consecutive days with equal owner, label and color merged. */
export function layOut(
  template: CoparentCycleTemplateDay[],
  anchor: string,
  cycles: number,
): { owner: string; label: string | null; color: string | null; startDate: string; endDate: string }[] {
  const total = template.length * cycles;
  const runs: { owner: string; label: string | null; color: string | null; from: number; to: number }[] = [];
  for (let i = 0; i < total; i++) {
    const d = template[i % template.length];
    const last = runs[runs.length - 1];
    if (last && last.owner === d.owner && last.label === (d.label ?? null) && last.color === (d.color ?? null)) last.to = i;
    else runs.push({ owner: d.owner, label: d.label ?? null, color: d.color ?? null, from: i, to: i });
  }
  return runs.map((r) => ({ owner: r.owner, label: r.label, color: r.color, startDate: addDays(anchor, r.from, 'anchorDate'), endDate: addDays(anchor, r.to, 'anchorDate') }));
}

/**
 * Admin: lays the active template out from anchorDate for cycles × length days as blocks. With
 * replaceExisting, every block overlapping that range is deleted first (whole, not trimmed).
 */
export async function applyCycleTemplate(ctx: AppContext, input: ApplyCoparentCycleTemplateInput): Promise<CoparentCycleApplyResult> {
  const household = await administeredHousehold(ctx);
  const anchor = parseDate(input.anchorDate, 'anchorDate');
  const cycles = input.cycles ?? DEFAULT_CYCLES;
  if (!Number.isInteger(cycles) || cycles < 1 || cycles > MAX_CYCLES) {
    throw badInput(`cycles must be a whole number from 1 to ${MAX_CYCLES}`, { cycles: `must be from 1 to ${MAX_CYCLES}` });
  }
  const replace = input.replaceExisting ?? false;
  return unitOfWork(ctx, async ({ em }) => {
    await em.execute('select pg_advisory_xact_lock(?)', [TEMPLATE_LOCK]);
    const template = await activeTemplate(em, household);
    if (!template) throw badInput('No cycle template has been saved yet');
    const planned = layOut(template.days, anchor, cycles);
    const range = { start: anchor, end: planned[planned.length - 1].endDate };
    const blocksDeleted = replace ? await em.nativeDelete(CoparentScheduleBlock, { household, ...overlapping(range) }) : 0;
    for (const p of planned) em.persist(em.create(CoparentScheduleBlock, { ...p, household }));
    await em.flush();
    publish(ctx, { kind: 'TEMPLATE_APPLIED', blockId: null, startDate: range.start, endDate: range.end, householdId: household });
    return { blocksCreated: planned.length, blocksDeleted, startDate: range.start, endDate: range.end };
  });
}

// --- live changes ------------------------------------------------------------------------------

/** Checked when a client subscribes: the schedule is for the members of a household. */
export async function subscribeScheduleChanges(ctx: AppContext): Promise<void> {
  await householdOf(ctx);
}

/**
 * Per subscriber and per event, against the subscriber's current session and memberships (read again):
 * changes of their own household only; a saved template (admin-only data) only while they are its admin
 * (or a platform admin) at the time of the event.
 */
export async function scheduleChangeVisible(ctx: AppContext, event: ScheduleEvent): Promise<boolean> {
  await ctx.refreshViewer(event);
  if (!ctx.viewer) return false;
  if ((await householdOf(ctx).catch(() => null)) !== event.householdId) return false;
  return event.kind !== 'TEMPLATE_SAVED' || isHouseholdAdmin(ctx);
}

export async function scheduleChange(ctx: AppContext, event: ScheduleEvent): Promise<CoparentScheduleChange> {
  const block = event.blockId && event.kind !== 'BLOCK_DELETED' ? await ctx.em.fork().findOne(CoparentScheduleBlock, { id: event.blockId }) : null;
  return { kind: event.kind as CoparentScheduleChangeKind, blockId: event.blockId, block, startDate: event.startDate, endDate: event.endDate };
}
