/** Every topic of the graph and its payload. Payloads are small (ids and kinds): NOTIFY caps them at 8000 bytes. */
import type { CakeChangePayload } from '../modules/cake/cake-change';

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
  /** cake: a user's membership or role in a group changed (subscriptions refresh their group filter) */
  'cake.membershipChanged': { userId: string; groupId: string };
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
}
export type TopicName = keyof Topics;
