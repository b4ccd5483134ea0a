/** Every topic of the graph and its payload. Payloads are small (ids and kinds): NOTIFY caps them at 8000 bytes. */
import type { CakeChangePayload } from '../modules/cake/cake-change';
import type { CakeGroupRole } from '../modules/cake/cake-group.entity';

export interface Topics {
  /** sessionIds null: every session of the user */
  'identity.sessionRevoked': { userId: string; sessionIds: string[] | null };
  'identity.userChanged': { kind: 'CREATED' | 'UPDATED' | 'DELETED'; userId: string };
  /** coparent: an item was created, updated or deleted (date: its day, YYYY-MM-DD) */
  'coparent.itemChanged': { kind: 'CREATED' | 'UPDATED' | 'DELETED'; itemId: string; date: string; householdId: string };
  /** coparent: blocks or the cycle template changed; startDate..endDate is the affected range when known */
  'coparent.scheduleChanged': {
    kind: 'BLOCK_CREATED' | 'BLOCK_UPDATED' | 'BLOCK_DELETED' | 'TEMPLATE_SAVED' | 'TEMPLATE_APPLIED';
    blockId: string | null;
    startDate: string | null;
    endDate: string | null;
    householdId: string;
  };
  /** compass: something the analytics count changed (answers, parties, questions, users); subscribers debounce */
  'compass.analyticsChanged': { reason: 'ANSWERS' | 'PARTIES' | 'QUESTIONS' | 'USERS' };
  /** cake: an event was created, deleted, rated or got a photo; `id` is its cake_event_log id (SSE id) */
  'cake.changed': CakeChangePayload;
  /**
   * cake: a user joined a group, changed role in it or left it (subscriptions refresh their group filter);
   * `role` is the role after the change, null once removed
   */
  'cake.membershipChanged': { userId: string; groupId: string; kind: 'ADDED' | 'ROLE_CHANGED' | 'REMOVED'; role: CakeGroupRole | null };
  /** conduct: a user's roles in an event changed */
  'conduct.eventMembershipChanged': { eventId: string; userId: string; kind: 'ROLE_GRANTED' | 'ROLE_REVOKED' | 'USER_REMOVED' | 'USER_UPDATED' };
  /** conduct: a user joined an organization, changed role in it or left it */
  'conduct.orgMembershipChanged': { organizationId: string; userId: string; kind: 'MEMBER_ADDED' | 'MEMBER_UPDATED' | 'MEMBER_REMOVED' };
  /**
   * conduct: a report was created or changed (reporterId: who may follow it besides the event's staff;
   * internal: a change only staff may hear of, never told to the reporter)
   */
  'conduct.reportChanged': {
    eventId: string;
    reportId: string;
    reporterId: string | null;
    kind: 'CREATED' | 'UPDATED' | 'STATE_CHANGED' | 'ASSIGNED';
    internal: boolean;
  };
  /**
   * conduct: notifications were created (one event per at most 60 recipients, so a report told to 200
   * staff is 4 events, each under NOTIFY's cap); `n` pairs a recipient's user id with their notification id
   */
  'conduct.notificationAdded': { n: [userId: string, notificationId: string][] };
  /** conduct: a comment was added to a report (an internal one is delivered to the event's staff only) */
  'conduct.commentAdded': { eventId: string; reportId: string; commentId: string; visibility: 'public' | 'internal' };
  // --- issue 14 "every resource live": cakeplanner groups, compass (keep these lines together) ---
  /** cake: a group was created, renamed or deleted */
  'cake.groupChanged': { kind: 'CREATED' | 'UPDATED' | 'DELETED'; groupId: string };
  /** compass: a party's own fields (name, abbreviation, description, logo) were created, changed or deleted */
  'compass.partyChanged': { kind: 'CREATED' | 'UPDATED' | 'DELETED'; partyId: number };
  /** compass: a question was created, changed or deleted */
  'compass.questionChanged': { kind: 'CREATED' | 'UPDATED' | 'DELETED'; questionId: number };
  /** compass: a party's answer list was created (with the party), replaced or deleted (with the party) */
  'compass.partyAnswerChanged': { kind: 'CREATED' | 'UPDATED' | 'DELETED'; partyId: number };
  /** compass: a user's answers (and so their score sums) were replaced */
  'compass.userAnswersChanged': { userId: string };
}
export type TopicName = keyof Topics;
