/**
 * Questions (compass.md "Questions"): public reads in position order; writes by super admins. A new
 * question gives every party an empty answer; changing a question's axis or direction, or deleting it,
 * recomputes every user's score sums (under the exclusive scores lock, so answer writers wait).
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import type { AppContext } from '../../context/context';
import { conflict, notFound } from '../../errors/domain-error';
import { requireAdmin } from '../../auth/guards';
import { unitOfWork } from '../../db/unit-of-work';
import { CompassAxis, CompassQuestion } from './question.entity';
import { analyticsChanged, LIMITS, Problems, SCORES_LOCK, trimmed, validId } from './compass-common';
import type { CreateQuestionInput, UpdateQuestionInput } from './compass.inputs';
import { QUESTIONS_MAX } from './list-sizes';

export function listQuestions(ctx: AppContext): Promise<CompassQuestion[]> {
  return ctx.em.find(CompassQuestion, {}, { orderBy: { position: 'asc', id: 'asc' }, limit: QUESTIONS_MAX });
}

async function questionById(em: EntityManager, questionId: number): Promise<CompassQuestion> {
  if (!validId(questionId)) throw notFound('Question not found');
  const q = await em.findOne(CompassQuestion, { id: questionId });
  if (!q) throw notFound('Question not found');
  return q;
}

export function getQuestion(ctx: AppContext, questionId: number): Promise<CompassQuestion> {
  return questionById(ctx.em, questionId);
}

/** Domain checks of the fields given; on creation text and axis must be there. */
function checkQuestionFields(input: UpdateQuestionInput, creating: boolean): void {
  const p = new Problems();
  if (input.text !== undefined || creating) {
    const t = trimmed(input.text);
    if (t === null) p.add('text', 'is required');
    else if (t.length > LIMITS.questionText) p.add('text', `must be at most ${LIMITS.questionText} characters`);
  }
  if ((input.axis !== undefined || creating) && !Object.values(CompassAxis).includes(input.axis as CompassAxis)) p.add('axis', 'is required');
  const direction = input.direction;
  if ((direction === null && !creating) || (direction !== undefined && direction !== null && direction !== 1 && direction !== -1)) {
    p.add('direction', 'must be 1 or -1');
  }
  if (input.position === null && !creating) p.add('position', 'is required');
  else if (input.position !== undefined && input.position !== null && !(Number.isInteger(input.position) && input.position >= 0)) {
    p.add('position', 'must be a whole number of 0 or more');
  }
  p.throwIfAny();
}

/**
 * Recomputes every user's score sums from their answers (after a question's axis or direction changed, or
 * a question went away with its answers). One statement; runs under the exclusive scores lock.
 */
export async function recomputeAllScores(em: EntityManager): Promise<void> {
  await em.execute('select pg_advisory_xact_lock(?)', [SCORES_LOCK]);
  await em.execute(
    `update compass_user_scores s
        set economic_sum = coalesce(a.es, 0), economic_count = coalesce(a.ec, 0),
            social_sum = coalesce(a.ss, 0), social_count = coalesce(a.sc, 0)
       from compass_user_scores s0
       left join (
         select ua.user_id,
                sum(ua.score * q.direction) filter (where q.axis = 'economic') as es,
                count(*) filter (where q.axis = 'economic') as ec,
                sum(ua.score * q.direction) filter (where q.axis = 'social') as ss,
                count(*) filter (where q.axis = 'social') as sc
           from compass_user_answers ua join compass_questions q on q.id = ua.question_id
          group by ua.user_id
       ) a on a.user_id = s0.user_id
      where s.user_id = s0.user_id`,
  );
}

/** Super admin. Every party gets an empty answer for the new question. */
export async function createQuestion(ctx: AppContext, input: CreateQuestionInput): Promise<CompassQuestion> {
  requireAdmin(ctx);
  checkQuestionFields(input, true);
  return unitOfWork(ctx, async (tx) => {
    // list-sizes.ts: every list of questions (and of answers: one a question) holds at most QUESTIONS_MAX
    if ((await tx.em.count(CompassQuestion, {})) >= QUESTIONS_MAX) throw conflict(`The compass holds at most ${QUESTIONS_MAX} questions`);
    let pos = input.position ?? null;
    if (pos === null) {
      const rows = await tx.em.execute<{ next: number }[]>('select coalesce(max(position), 0) + 1 as next from compass_questions');
      pos = Number(rows[0].next);
    }
    const q = tx.em.create(CompassQuestion, { text: trimmed(input.text)!, axis: input.axis, direction: input.direction ?? 1, position: pos });
    tx.em.persist(q);
    await tx.em.flush();
    await tx.em.execute('insert into compass_party_answers (party_id, question_id, score) select id, ?, null from compass_parties', [q.id]);
    analyticsChanged(tx, 'QUESTIONS');
    // every party's answer list gains an unanswered entry: told by this event, not once per party (docs/graph.md)
    tx.publish('compass.questionChanged', { kind: 'CREATED', questionId: q.id });
    return q;
  });
}

/** Super admin; the fields given change. */
export async function updateQuestion(ctx: AppContext, questionId: number, input: UpdateQuestionInput): Promise<CompassQuestion> {
  requireAdmin(ctx);
  await questionById(ctx.em, questionId);
  checkQuestionFields(input, false);
  return unitOfWork(ctx, async (tx) => {
    // Answer writers wait while a question that moves every score changes.
    await tx.em.execute('select pg_advisory_xact_lock(?)', [SCORES_LOCK]);
    const q = await tx.em.findOneOrFail(CompassQuestion, { id: questionId });
    const before = `${q.axis}/${q.direction}`;
    if (input.text !== undefined && input.text !== null) q.text = trimmed(input.text)!;
    if (input.axis !== undefined && input.axis !== null) q.axis = input.axis;
    if (input.direction !== undefined && input.direction !== null) q.direction = input.direction;
    if (input.position !== undefined && input.position !== null) q.position = input.position;
    await tx.em.flush();
    if (`${q.axis}/${q.direction}` !== before) await recomputeAllScores(tx.em);
    analyticsChanged(tx, 'QUESTIONS');
    tx.publish('compass.questionChanged', { kind: 'UPDATED', questionId: q.id });
    return q;
  });
}

/** Super admin; the question's answers cascade and every score follows. */
export async function deleteQuestion(ctx: AppContext, questionId: number): Promise<boolean> {
  requireAdmin(ctx);
  await questionById(ctx.em, questionId);
  await unitOfWork(ctx, async (tx) => {
    await tx.em.execute('select pg_advisory_xact_lock(?)', [SCORES_LOCK]);
    await tx.em.nativeDelete(CompassQuestion, { id: questionId });
    await recomputeAllScores(tx.em);
    analyticsChanged(tx, 'QUESTIONS');
    tx.publish('compass.questionChanged', { kind: 'DELETED', questionId });
  });
  return true;
}
