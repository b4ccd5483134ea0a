/**
 * Every PostgreSQL advisory lock the application takes, in one place (STYLE.md 12): a number per lock,
 * all in the 7316xxx range so that they never collide with each other or with a neighbour's. Keyed locks
 * (one per event, say) use `pg_advisory_xact_lock(hashtext(key))` with a key built by `lockKey`.
 */
export const LOCKS = {
  /** migrations: instances started together on one database take turns (src/db/orm.ts) */
  migrations: 7316000,
  /** account creation: one registration or bootstrap at a time decides who is the first user */
  firstUser: 7316001,
  /** removing an admin: two admins cannot remove each other at once */
  lastAdmin: 7316002,
  /** coparent: template saves and applications, one at a time (one active template, no interleaved layouts) */
  coparentTemplate: 7316301,
  /** coparent: changes that could leave a household without an admin */
  householdAdmins: 7316401,
  /** cake: appends to the change log, so log ids (SSE ids) follow commit order */
  cakeLog: 7316402,
  /** compass scores: writers of answers (shared) against recomputations of the scores (exclusive) */
  compassScores: 7316501,
} as const;

/** The text key of a keyed lock (hashed by PostgreSQL's `hashtext`): `<name>:<id>`. */
export const lockKey = {
  /** an event's Admins: granting and revoking Admin cannot leave an event without one */
  conductEventAdmins: (eventId: string) => `conduct-event-admins:${eventId}`,
} as const;
