/**
 * compass's live views (issue 14 "every resource live"). Parties, questions and party answers are
 * public data: anyone enrolled in compass hears every change (the declared access, re-checked per event
 * by the pipeline, is the only rule), and an event's execution is the same for all of them (shared by
 * fan-out). A user's own answers, position and matches reach only that user and are read per subscriber.
 */
import type { AppContext } from '../../context/context';
import { requireViewer } from '../../auth/guards';
import { filterAsync, mapAsync, mergeAsync } from '../../pubsub/filter';
import type { Topics } from '../../pubsub/topics';
import { CompassParty } from './party.entity';
import { CompassQuestion } from './question.entity';
import type { CompassAnswer, CompassMatch, CompassPosition } from './compass.inputs';
import { currentPartyAnswers, userAnswers } from './answers.service';
import { nearestParties, userPosition } from './matching.service';
import { requireSelfOrAdmin } from './compass-common';
import { CompassChangeKind, CompassMyAnswersChange, CompassMyAnswersChangeKind, CompassPartyAnswerChange, CompassPartyChange, CompassQuestionChange } from './compass-change';

/**
 * A subscription's EntityManager lives as long as the subscription: it forgets what it read for earlier
 * events so the resource is read as it is now (a managed entity would keep a description cleared since).
 */
function freshReads(ctx: AppContext): void {
  ctx.em.clear();
}

export function subscribePartyChanges(ctx: AppContext): AsyncIterableIterator<Topics['compass.partyChanged']> {
  requireViewer(ctx);
  return ctx.app.pubsub.subscribe('compass.partyChanged');
}

export async function toPartyChange(ctx: AppContext, e: Topics['compass.partyChanged']): Promise<CompassPartyChange> {
  freshReads(ctx);
  const party = e.kind === 'DELETED' ? null : await ctx.em.findOne(CompassParty, { id: e.partyId });
  return { kind: e.kind as CompassChangeKind, partyId: e.partyId, party };
}

export function subscribeQuestionChanges(ctx: AppContext): AsyncIterableIterator<Topics['compass.questionChanged']> {
  requireViewer(ctx);
  return ctx.app.pubsub.subscribe('compass.questionChanged');
}

export async function toQuestionChange(ctx: AppContext, e: Topics['compass.questionChanged']): Promise<CompassQuestionChange> {
  freshReads(ctx);
  const question = e.kind === 'DELETED' ? null : await ctx.em.findOne(CompassQuestion, { id: e.questionId });
  return { kind: e.kind as CompassChangeKind, questionId: e.questionId, question };
}

/** Every party's answer changes, or one party's (`partyId`). */
export function subscribePartyAnswerChanges(ctx: AppContext, partyId?: number | null): AsyncIterableIterator<Topics['compass.partyAnswerChanged']> {
  requireViewer(ctx);
  const events = ctx.app.pubsub.subscribe('compass.partyAnswerChanged');
  return partyId === undefined || partyId === null ? events : filterAsync(events, (e) => e.partyId === partyId);
}

export async function toPartyAnswerChange(ctx: AppContext, e: Topics['compass.partyAnswerChanged']): Promise<CompassPartyAnswerChange> {
  const answers = e.kind === 'DELETED' ? null : await currentPartyAnswers(ctx, e.partyId);
  return { kind: e.kind as CompassChangeKind, partyId: e.partyId, answers };
}

/**
 * The subscriber's own state: their answers replaced (by them or by an admin: only the user whose answers
 * they are hears it, never the admin who wrote them), any question change (answer list, position), any
 * party or party-answer change (matches). Nothing here is shared: every field is read for the subscriber.
 */
export function subscribeMyAnswersChanges(ctx: AppContext): AsyncIterableIterator<{ kind: CompassMyAnswersChangeKind }> {
  const viewer = requireViewer(ctx);
  const { pubsub } = ctx.app;
  const kind = (k: CompassMyAnswersChangeKind) => () => ({ kind: k });
  return mergeAsync([
    mapAsync(
      filterAsync(pubsub.subscribe('compass.userAnswersChanged'), (e) => e.userId === viewer.id),
      kind(CompassMyAnswersChangeKind.ANSWERS),
    ),
    mapAsync(pubsub.subscribe('compass.questionChanged'), kind(CompassMyAnswersChangeKind.QUESTIONS)),
    mapAsync(pubsub.subscribe('compass.partyChanged'), kind(CompassMyAnswersChangeKind.PARTIES)),
    mapAsync(pubsub.subscribe('compass.partyAnswerChanged'), kind(CompassMyAnswersChangeKind.PARTIES)),
  ]);
}

/** The event for the subscriber as they are now (their number, read with the session check). */
export function toMyAnswersChange(ctx: AppContext, e: { kind: CompassMyAnswersChangeKind }): CompassMyAnswersChange {
  freshReads(ctx);
  return { kind: e.kind, userNumber: requireViewer(ctx).number };
}

/** The fields of the subscriber's own state, each checking self-or-admin again (as the queries do). */
export function myAnswers(ctx: AppContext, change: CompassMyAnswersChange): Promise<CompassAnswer[]> {
  return userAnswers(ctx, change.userNumber);
}

export function myPosition(ctx: AppContext, change: CompassMyAnswersChange): Promise<CompassPosition> {
  return userPosition(ctx, change.userNumber);
}

/** The three nearest parties; empty while the subscriber has answered nothing (the query answers 422 then). */
export async function myMatches(ctx: AppContext, change: CompassMyAnswersChange): Promise<CompassMatch[]> {
  requireSelfOrAdmin(ctx, change.userNumber);
  return (await nearestParties(ctx, change.userNumber)) ?? [];
}
