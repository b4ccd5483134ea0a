/**
 * The compass's operations. Who may call each one is declared beside it (`@Allow`); row rules (self or
 * admin, the party's admin) live in the services. Names follow the domain (`parties`, `createParty`,
 * `setUserAnswers`); `compass` stays as a prefix only where the noun alone would be ambiguous in the
 * whole graph (`compassAnalytics`). Accounts are identity's operations (`user(number)`, `createUser`,
 * `updateUser`…); compass adds its attributes to them (compass-profile.ts). docs/graph.md.
 */
import { Arg, Ctx, FieldResolver, Int, Mutation, Query, Resolver, Root, Subscription } from 'type-graphql';
import { GraphQLUpload, FileUpload } from 'graphql-upload-minimal';
import type { AppContext } from '../../context/context';
import { access, Allow } from '../../auth/access';
import { Application } from '../identity/enrollment';
import { StoredFileRef } from '../../storage/stored-file.types';
import { User } from '../identity/user.entity';
import { CompassParty } from './party.entity';
import { CompassQuestion } from './question.entity';
import {
  CompassAnalytics,
  CompassAnswer,
  CompassAnswerInput,
  CompassMatch,
  CompassPartyCreated,
  CompassPosition,
  CreatePartyInput,
  CreateQuestionInput,
  UpdatePartyInput,
  UpdateQuestionInput,
} from './compass.inputs';
import { patientNumbers } from './compass-profile';
import * as partyService from './party.service';
import * as questionService from './question.service';
import * as answerService from './answers.service';
import * as matching from './matching.service';
import { analytics } from './analytics.service';
import { analyticsEvents } from './compass.events';
import { ListSize } from '../../server/cost';
import { LiveShared } from '../../server/fanout';
import type { Topics } from '../../pubsub/topics';
import * as live from './compass-live.service';
import { CompassMyAnswersChange, CompassMyAnswersChangeKind, CompassPartyAnswerChange, CompassPartyChange, CompassQuestionChange } from './compass-change';
import { MATCHES_MAX, PARTIES_MAX, QUESTIONS_MAX } from './list-sizes';

/** compass operations for signed-in users: open enrollment (compass-common.ts), refused only to a disabled membership. */
const compassUser = access.enrolled(Application.COMPASS);

@Resolver()
export class CompassResolver {
  // --- parties -----------------------------------------------------------------------------------

  @Allow(access.public)
  @ListSize({ max: PARTIES_MAX })
  @Query(() => [CompassParty], { description: 'Every party, by id' })
  parties(@Ctx() ctx: AppContext): Promise<CompassParty[]> {
    return partyService.listParties(ctx);
  }

  @Allow(access.public)
  @Query(() => CompassParty)
  party(@Ctx() ctx: AppContext, @Arg('id', () => Int) id: number): Promise<CompassParty> {
    return partyService.getParty(ctx, id);
  }

  @Allow(access.admin)
  @Mutation(() => CompassPartyCreated, { description: 'Returns the party code and its admin account (password shown only here)' })
  createParty(@Ctx() ctx: AppContext, @Arg('input', () => CreatePartyInput) input: CreatePartyInput): Promise<CompassPartyCreated> {
    return partyService.createParty(ctx, input);
  }

  @Allow(compassUser)
  @Mutation(() => CompassParty, { description: "Super admins or the party's admin: the fields given" })
  updateParty(@Ctx() ctx: AppContext, @Arg('id', () => Int) id: number, @Arg('input', () => UpdatePartyInput) input: UpdatePartyInput): Promise<CompassParty> {
    return partyService.updateParty(ctx, id, input);
  }

  @Allow(access.admin)
  @Mutation(() => Boolean, { description: 'Answers, logo and the party-admin accounts go with it' })
  deleteParty(@Ctx() ctx: AppContext, @Arg('id', () => Int) id: number): Promise<boolean> {
    return partyService.deleteParty(ctx, id);
  }

  @Allow(compassUser)
  @Mutation(() => CompassParty, { description: "Super admins or the party's admin; PNG, JPEG or WebP, at most 2 MB" })
  setPartyLogo(
    @Ctx() ctx: AppContext,
    @Arg('partyId', () => Int) partyId: number,
    @Arg('logo', () => GraphQLUpload, { nullable: true }) logo?: Promise<FileUpload> | null,
  ): Promise<CompassParty> {
    return partyService.setPartyLogo(ctx, partyId, logo);
  }

  @Allow(compassUser)
  @Mutation(() => CompassParty, { description: "Super admins or the party's admin" })
  removePartyLogo(@Ctx() ctx: AppContext, @Arg('partyId', () => Int) partyId: number): Promise<CompassParty> {
    return partyService.removePartyLogo(ctx, partyId);
  }

  // --- questions ---------------------------------------------------------------------------------

  @Allow(access.public)
  @ListSize({ max: QUESTIONS_MAX })
  @Query(() => [CompassQuestion], { description: 'In position order' })
  questions(@Ctx() ctx: AppContext): Promise<CompassQuestion[]> {
    return questionService.listQuestions(ctx);
  }

  @Allow(access.public)
  @Query(() => CompassQuestion)
  question(@Ctx() ctx: AppContext, @Arg('id', () => Int) id: number): Promise<CompassQuestion> {
    return questionService.getQuestion(ctx, id);
  }

  @Allow(access.admin)
  @Mutation(() => CompassQuestion, { description: 'Every party gets an empty answer' })
  createQuestion(@Ctx() ctx: AppContext, @Arg('input', () => CreateQuestionInput) input: CreateQuestionInput): Promise<CompassQuestion> {
    return questionService.createQuestion(ctx, input);
  }

  @Allow(access.admin)
  @Mutation(() => CompassQuestion, { description: 'The fields given; a new axis or direction moves every score' })
  updateQuestion(@Ctx() ctx: AppContext, @Arg('id', () => Int) id: number, @Arg('input', () => UpdateQuestionInput) input: UpdateQuestionInput): Promise<CompassQuestion> {
    return questionService.updateQuestion(ctx, id, input);
  }

  @Allow(access.admin)
  @Mutation(() => Boolean, { description: "The question's answers go with it" })
  deleteQuestion(@Ctx() ctx: AppContext, @Arg('id', () => Int) id: number): Promise<boolean> {
    return questionService.deleteQuestion(ctx, id);
  }

  // --- answers, positions, matches, analytics ----------------------------------------------------

  @Allow(compassUser)
  @ListSize({ max: QUESTIONS_MAX })
  @Query(() => [CompassAnswer], { description: 'The user themselves or an admin; every question, "" when unanswered' })
  userAnswers(@Ctx() ctx: AppContext, @Arg('userNumber', () => Int) userNumber: number): Promise<CompassAnswer[]> {
    return answerService.userAnswers(ctx, userNumber);
  }

  @Allow(compassUser)
  @ListSize({ max: QUESTIONS_MAX })
  @Mutation(() => [CompassAnswer], { description: 'The user themselves or an admin; the whole list at once, all or nothing' })
  setUserAnswers(
    @Ctx() ctx: AppContext,
    @Arg('userNumber', () => Int) userNumber: number,
    @Arg('answers', () => [CompassAnswerInput]) list: CompassAnswerInput[],
  ): Promise<CompassAnswer[]> {
    return answerService.setUserAnswers(ctx, userNumber, list);
  }

  @Allow(access.public)
  @ListSize({ max: QUESTIONS_MAX })
  @Query(() => [CompassAnswer], { description: 'Every question, "" when unanswered' })
  partyAnswers(@Ctx() ctx: AppContext, @Arg('partyId', () => Int) partyId: number): Promise<CompassAnswer[]> {
    return answerService.partyAnswers(ctx, partyId);
  }

  @Allow(compassUser)
  @ListSize({ max: QUESTIONS_MAX })
  @Mutation(() => [CompassAnswer], { description: "The party's admin or a super admin; the whole list at once, all or nothing" })
  setPartyAnswers(
    @Ctx() ctx: AppContext,
    @Arg('partyId', () => Int) partyId: number,
    @Arg('answers', () => [CompassAnswerInput]) list: CompassAnswerInput[],
  ): Promise<CompassAnswer[]> {
    return answerService.setPartyAnswers(ctx, partyId, list);
  }

  @Allow(compassUser)
  @Query(() => CompassPosition, { description: 'The user themselves or an admin' })
  userPosition(@Ctx() ctx: AppContext, @Arg('userNumber', () => Int) userNumber: number): Promise<CompassPosition> {
    return matching.userPosition(ctx, userNumber);
  }

  @Allow(compassUser)
  @ListSize({ max: MATCHES_MAX })
  @Query(() => [CompassMatch], { description: 'The user themselves or an admin: the three nearest parties (ties by name)' })
  partyMatches(@Ctx() ctx: AppContext, @Arg('userNumber', () => Int) userNumber: number): Promise<CompassMatch[]> {
    return matching.partyMatches(ctx, userNumber);
  }

  @Allow(access.admin)
  @Query(() => CompassAnalytics)
  compassAnalytics(@Ctx() ctx: AppContext): Promise<CompassAnalytics> {
    return analytics(ctx);
  }

  /** Fresh analytics whenever answers, parties, questions or users change, at most one event a second. */
  @Allow(access.admin)
  @Subscription(() => CompassAnalytics, {
    subscribe: ({ context }) => analyticsEvents(context as AppContext),
  })
  compassAnalyticsChanged(@Ctx() ctx: AppContext): Promise<CompassAnalytics> {
    // a context of its own over a fresh fork per event: derived, not copied (a copy loses the lazy `em` and `log`)
    return analytics(Object.create(ctx, { em: { value: ctx.em.fork(), enumerable: true } }) as AppContext);
  }

  // --- live resources (issue 14): public data for anyone enrolled; the subscriber's own state ----

  @Allow(compassUser)
  @LiveShared()
  @Subscription(() => CompassPartyChange, {
    description: 'Parties created, changed (fields, logo) or deleted',
    subscribe: ({ context }) => live.subscribePartyChanges(context as AppContext),
  })
  compassPartyChanged(@Root() e: Topics['compass.partyChanged'], @Ctx() ctx: AppContext): Promise<CompassPartyChange> {
    return live.toPartyChange(ctx, e);
  }

  @Allow(compassUser)
  @LiveShared()
  @Subscription(() => CompassQuestionChange, {
    description: 'Questions created, changed or deleted',
    subscribe: ({ context }) => live.subscribeQuestionChanges(context as AppContext),
  })
  compassQuestionChanged(@Root() e: Topics['compass.questionChanged'], @Ctx() ctx: AppContext): Promise<CompassQuestionChange> {
    return live.toQuestionChange(ctx, e);
  }

  @Allow(compassUser)
  @LiveShared()
  @Subscription(() => CompassPartyAnswerChange, {
    description: "Parties' answer lists (every party's, or one party's with partyId)",
    subscribe: ({ args, context }) => live.subscribePartyAnswerChanges(context as AppContext, args.partyId as number | null | undefined),
  })
  compassPartyAnswerChanged(
    @Root() e: Topics['compass.partyAnswerChanged'],
    @Ctx() ctx: AppContext,
    @Arg('partyId', () => Int, { nullable: true }) _partyId?: number | null,
  ): Promise<CompassPartyAnswerChange> {
    return live.toPartyAnswerChange(ctx, e);
  }

  /** Only the subscriber themselves: their answers, position and matches, read for them at each event. */
  @Allow(compassUser)
  @Subscription(() => CompassMyAnswersChange, {
    description: "The subscriber's own answers, compass position or party matches may have changed",
    subscribe: ({ context }) => live.subscribeMyAnswersChanges(context as AppContext),
  })
  compassMyAnswersChanged(@Root() e: { kind: CompassMyAnswersChangeKind }, @Ctx() ctx: AppContext): CompassMyAnswersChange {
    return live.toMyAnswersChange(ctx, e);
  }
}

/**
 * What the field resolvers of a party and of a change read, typed by shape rather than as their classes:
 * type-graphql converts a `@Root()` typed as a class into an instance of it whenever the value is not one
 * (src/server/schema.ts, `fieldResolversCalledDirectly`), and the matches' parties are plain values
 * (matching.service.ts): a new MikroORM entity, its property setters run for every field, per party and
 * request (~40 µs of a compass matches request in perf). Nothing here needs an instance.
 */
type PartyFields = Pick<CompassParty, 'id' | 'code' | 'logoFileId'>;
type MyAnswersChangeFields = Pick<CompassMyAnswersChange, 'kind' | 'userNumber'>;

/** The subscriber's own state, read when selected (never shared: it is theirs). */
@Resolver(() => CompassMyAnswersChange)
export class CompassMyAnswersChangeFieldResolver {
  @ListSize({ max: QUESTIONS_MAX })
  @FieldResolver(() => [CompassAnswer], { description: 'every question with the subscriber\'s answer ("" when unanswered)' })
  answers(@Root() change: MyAnswersChangeFields, @Ctx() ctx: AppContext): Promise<CompassAnswer[]> {
    return live.myAnswers(ctx, change);
  }

  @FieldResolver(() => CompassPosition)
  position(@Root() change: MyAnswersChangeFields, @Ctx() ctx: AppContext): Promise<CompassPosition> {
    return live.myPosition(ctx, change);
  }

  @ListSize({ max: MATCHES_MAX })
  @FieldResolver(() => [CompassMatch], { description: 'the three nearest parties; empty while nothing is answered' })
  matches(@Root() change: MyAnswersChangeFields, @Ctx() ctx: AppContext): Promise<CompassMatch[]> {
    return live.myMatches(ctx, change);
  }
}

/** Compass's fields of the shared user. */
@Resolver(() => User)
export class CompassUserFieldResolver {
  @FieldResolver(() => Int, { nullable: true, description: 'compass-only attribute' })
  patientNumber(@Root() user: User, @Ctx() ctx: AppContext): Promise<number | null> {
    return ctx.loader<string, number | null>('compass.patientNumber', (ids) => patientNumbers(ctx, ids)).load(user.id);
  }

  @FieldResolver(() => CompassParty, { nullable: true, description: 'the party this account administers' })
  administeredParty(@Root() user: User, @Ctx() ctx: AppContext): Promise<CompassParty | null> {
    return ctx.loader<string, CompassParty | null>('compass.partyOfAdmin', (ids) => partyService.partiesAdministered(ctx, ids)).load(user.id);
  }
}

@Resolver(() => CompassParty)
export class CompassPartyFieldResolver {
  @LiveShared()
  @FieldResolver(() => StoredFileRef, { nullable: true, description: 'the stored logo (public); its id changes when it is replaced' })
  logo(@Root() party: PartyFields): StoredFileRef | null {
    return partyService.partyLogo(party);
  }

  @FieldResolver(() => String, { nullable: true, description: "the party code; super admins and the party's admins only" })
  code(@Root() party: PartyFields, @Ctx() ctx: AppContext): Promise<string | null> {
    return partyService.partyCode(ctx, party);
  }

  @LiveShared()
  @FieldResolver(() => CompassPosition)
  position(@Root() party: PartyFields, @Ctx() ctx: AppContext): Promise<CompassPosition> {
    return ctx.loader<number, CompassPosition>('compass.partyPosition', (ids) => matching.partyPositions(ctx, ids)).load(party.id);
  }
}
