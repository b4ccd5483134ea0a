/** The maximum page sizes of identity's lists (src/server/cost.ts): declared with `@ListSize`, enforced by the service. */

/** `users(limit)`: a page holds 1 to 500 users (a larger limit is refused). */
export const USERS_PAGE_MAX = 500;

/** `mailOutbox`: the 200 newest messages. */
export const MAIL_OUTBOX_MAX = 200;
