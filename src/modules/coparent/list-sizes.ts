/**
 * The maximum sizes of coparent's lists (src/server/cost.ts), declared with `@ListSize` beside each list
 * field. The legacy routes answer a month or a day of items and the blocks of a range unpaginated
 * (coparent.md), so the bound is the natural page, capped at a documented number far above a family's
 * calendar: the services answer at most this many, in their order.
 */

/** `coparentItems(month)`, `coparentItemsOnDay(date)`: items of the month or day, by date then creation */
export const ITEMS_MAX = 1000;

/** `coparentScheduleBlocks`, `CoparentSchedule.blocks`: blocks, by start date */
export const BLOCKS_MAX = 2000;

/** `CoparentSchedule.days`: a range covers at most 731 days (longer ones are refused) */
export const SCHEDULE_MAX_DAYS = 731;

/** `CoparentCycleTemplate.days`: a template has 1 to 42 days (longer ones are refused) */
export const TEMPLATE_MAX_DAYS = 42;

/** `households` (platform admins): the households of the deployment, oldest first */
export const HOUSEHOLDS_MAX = 1000;

/** `householdMembers`: the members of one household (a family), oldest first */
export const HOUSEHOLD_MEMBERS_MAX = 200;
