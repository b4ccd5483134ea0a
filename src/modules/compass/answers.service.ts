/**
 * Answers (compass.md "Answers"): every question in position order with a user's or a party's answer
 * ("" when unanswered); the whole list is replaced at once, all or nothing. A user's answers and their
 * score sums (compass_user_scores, which analytics reads) are written in the same unit of work.
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import type { AppContext } from '../../context/context';
import { badInput } from '../../errors/domain-error';
import { unitOfWork } from '../../db/unit-of-work';
import type { CompassAxis, CompassQuestion } from './question.entity';
import { analyticsChanged, LIMITS, partyById, pgIntArray, Problems, requirePartyManager, requireSelfOrAdmin, SCORES_LOCK, userByNumber } from './compass-common';
import { ANSWER_SCORES, answerOf, scoreOf, sumsOf } from './scoring';
import type { CompassAnswer, CompassAnswerInput } from './compass.inputs';

const ANSWER_LIST = `${Object.keys(ANSWER_SCORES).join(', ')} or "" (unanswered)`;

interface AnswerRow {
  id: number;
  text: string;
  axis: CompassAxis;
  direction: number;
  position: number;
  score: number | null;
}

function toAnswers(rows: AnswerRow[]): CompassAnswer[] {
  return rows.map((r) => ({
    questionId: r.id,
    question: { id: r.id, text: r.text, axis: r.axis, direction: r.direction, position: r.position } as CompassQuestion,
    answer: answerOf(r.score),
  }));
}

const ANSWERS_OF = (table: 'compass_user_answers' | 'compass_party_answers', key: 'user_id' | 'party_id') =>
  `select q.id, q.text, q.axis, q.direction, q.position, a.score
     from compass_questions q left join ${table} a on a.question_id = q.id and a.${key} = ?
    order by q.position, q.id`;

const userAnswersOf = (em: EntityManager, userUuid: string) => em.execute<AnswerRow[]>(ANSWERS_OF('compass_user_answers', 'user_id'), [userUuid]);
const partyAnswersOf = (em: EntityManager, partyId: number) => em.execute<AnswerRow[]>(ANSWERS_OF('compass_party_answers', 'party_id'), [partyId]);

/** Every question with the user's answer. Self or admin. */
export async function userAnswers(ctx: AppContext, userNumber: number): Promise<CompassAnswer[]> {
  requireSelfOrAdmin(ctx, userNumber);
  const user = await userByNumber(ctx.em, userNumber);
  return toAnswers(await userAnswersOf(ctx.em, user.id));
}

/** Every question with the party's answer; public. */
export async function partyAnswers(ctx: AppContext, partyId: number): Promise<CompassAnswer[]> {
  const party = await partyById(ctx.em, partyId);
  return toAnswers(await partyAnswersOf(ctx.em, party.id));
}

/** The party's answers as they are now, or null once the party is gone (a live event read after commit). */
export async function currentPartyAnswers(ctx: AppContext, partyId: number): Promise<CompassAnswer[] | null> {
  const [party] = await ctx.em.execute<{ id: number }[]>('select id from compass_parties where id = ?', [partyId]);
  return party ? toAnswers(await partyAnswersOf(ctx.em, party.id)) : null;
}

type QuestionMap = Map<number, { axis: string; direction: number }>;

/**
 * Checks a whole answer list against the questions; questions left out become unanswered. One bad entry
 * (a bad value, an unknown or repeated question) refuses the list, naming each bad entry.
 */
function checkAnswers(answers: readonly CompassAnswerInput[], questions: QuestionMap): Map<number, number> {
  const p = new Problems();
  const scores = new Map<number, number>();
  const seen = new Set<number>();
  answers.forEach((a, i) => {
    if (!Number.isInteger(a.questionId) || !questions.has(a.questionId)) {
      p.add(`answers[${i}].questionId`, `Question ${a.questionId} does not exist`);
    } else if (seen.has(a.questionId)) {
      p.add(`answers[${i}].questionId`, `Question ${a.questionId} is answered more than once`);
    }
    seen.add(a.questionId);
    const score = typeof a.answer === 'string' ? scoreOf(a.answer) : undefined;
    if (score === undefined) p.add(`answers[${i}].answer`, `Answer must be one of ${ANSWER_LIST}`);
    else if (score !== null) scores.set(a.questionId, score);
  });
  p.throwIfAny();
  return scores;
}

async function questionMap(em: EntityManager): Promise<QuestionMap> {
  const rows = await em.execute<{ id: number; axis: string; direction: number }[]>('select id, axis, direction from compass_questions');
  return new Map(rows.map((r) => [r.id, { axis: r.axis, direction: r.direction }]));
}

function tooMany(answers: readonly unknown[]): void {
  if (answers.length > LIMITS.answersPerList) throw badInput('Validation failed', { answers: `At most ${LIMITS.answersPerList} answers at once` });
}

/** Self or admin. Replaces the whole list in one unit of work (answers and score sums together). */
export async function setUserAnswers(ctx: AppContext, userNumber: number, answers: readonly CompassAnswerInput[]): Promise<CompassAnswer[]> {
  requireSelfOrAdmin(ctx, userNumber);
  const user = await userByNumber(ctx.em, userNumber);
  tooMany(answers);
  await unitOfWork(ctx, async (tx) => {
    const em = tx.em;
    await em.execute('select pg_advisory_xact_lock_shared(?)', [SCORES_LOCK]);
    const questions = await questionMap(em);
    const scores = checkAnswers(answers, questions);
    const sums = sumsOf([...scores].map(([qid, score]) => ({ ...questions.get(qid)!, score })));
    // The score row first: it also serialises concurrent writers of the same user.
    await em.execute(
      `insert into compass_user_scores (user_id, economic_sum, economic_count, social_sum, social_count) values (?, ?, ?, ?, ?)
       on conflict (user_id) do update set economic_sum = excluded.economic_sum, economic_count = excluded.economic_count,
         social_sum = excluded.social_sum, social_count = excluded.social_count`,
      [user.id, sums.es, sums.ec, sums.ss, sums.sc],
    );
    const ids = [...scores.keys()];
    await em.execute('delete from compass_user_answers where user_id = ? and not (question_id = any(?::int[]))', [user.id, pgIntArray(ids)]);
    if (ids.length) {
      await em.execute(
        `insert into compass_user_answers (user_id, question_id, score)
         select ?, v.qid, v.score from unnest(?::int[], ?::smallint[]) as v(qid, score)
         on conflict (user_id, question_id) do update set score = excluded.score`,
        [user.id, pgIntArray(ids), pgIntArray(ids.map((id) => scores.get(id)!))],
      );
    }
    analyticsChanged(tx, 'ANSWERS');
    tx.publish('compass.userAnswersChanged', { userId: user.id });
  });
  return toAnswers(await userAnswersOf(ctx.em, user.id));
}

/** The party's admin or a super admin. Same all-or-nothing rules as a user's answers. */
export async function setPartyAnswers(ctx: AppContext, partyId: number, answers: readonly CompassAnswerInput[]): Promise<CompassAnswer[]> {
  const party = await requirePartyManager(ctx, partyId);
  tooMany(answers);
  await unitOfWork(ctx, async (tx) => {
    const scores = checkAnswers(answers, await questionMap(tx.em));
    const ids = [...scores.keys()];
    await tx.em.execute(
      `insert into compass_party_answers (party_id, question_id, score)
       select ?, q.id, v.score from compass_questions q
         left join unnest(?::int[], ?::smallint[]) as v(qid, score) on v.qid = q.id
       on conflict (party_id, question_id) do update set score = excluded.score`,
      [party.id, pgIntArray(ids), pgIntArray(ids.map((id) => scores.get(id)!))],
    );
    analyticsChanged(tx, 'ANSWERS');
    tx.publish('compass.partyAnswerChanged', { kind: 'UPDATED', partyId: party.id });
  });
  return toAnswers(await partyAnswersOf(ctx.em, party.id));
}
