/**
 * The maximum page sizes of cakeplanner's lists (src/server/cost.ts): declared with `@ListSize` beside
 * each list field, enforced by the services (a larger `limit` is refused; the other lists answer at most
 * this many, in their order). The legacy routes that show them have no pagination (cakeplanner.md); the
 * bounds are far above an office's cake calendar.
 */

/** `cakeAccounts`, `cakeContacts`: accounts, by name. */
export const CAKE_ACCOUNTS_MAX = 1000;

/** `cakeGroups`: groups, by name. */
export const CAKE_GROUPS_MAX = 100;

/** `cakeMyGroups`, `User.cakeMemberships`: a user belongs to at most 10 groups (a membership beyond is refused). */
export const CAKE_USER_GROUPS_MAX = 10;

/** `CakeGroup.members`: a group holds at most 100 members (a membership beyond is refused). */
export const CAKE_GROUP_MEMBERS_MAX = 100;

/** `cakeEvents(start, end)`: events of the range, by date. */
export const CAKE_EVENTS_MAX = 1000;

/** `cakeHallOfFame(limit)`: 1 to 100 events (50 when not given). */
export const HALL_OF_FAME_MAX = 100;
export const HALL_OF_FAME_SIZE = 50;

/** `cakeEventChanges(after)`: the oldest 1000 changes after the cursor (the log keeps 1000 per group). */
export const CAKE_CHANGES_MAX = 1000;

/**
 * `CakeEvent.ratings`, `CakeEvent.gallery`: one per user and event, so about a group's members; the
 * oldest 100 (members who left keep theirs; the rating summary counts every rating).
 */
export const CAKE_EVENT_RATINGS_MAX = 100;
export const CAKE_EVENT_PHOTOS_MAX = 100;
