import { Arg, Ctx, FieldResolver, Int, Mutation, Query, Resolver, Root, Subscription } from 'type-graphql';
import { GraphQLUpload, FileUpload } from 'graphql-upload-minimal';
import type { AppContext } from '../../context/context';
import { requireAdmin } from '../../auth/guards';
import { StoredFileRef } from '../../storage/stored-file.types';
import { CompassParty } from './party.entity';
import { CompassQuestion } from './question.entity';
import {
  CompassAnalytics,
  CompassAnswer,
  CompassAnswerInput,
  CompassCreateUserInput,
  CompassMatch,
  CompassPartyCreated,
  CompassPartyInput,
  CompassPartyPosition,
  CompassPosition,
  CompassQuestionInput,
  CompassRegisterInput,
  CompassTokenInfo,
  CompassUser,
  CompassUserFilter,
  CompassUserPage,
  CompassUserUpdateInput,
} from './compass.inputs';
import * as compass from './compass.service';
import { analyticsEvents } from './compass.events';

@Resolver()
export class CompassResolver {
  // --- auth and users ----------------------------------------------------------------------------

  @Mutation(() => CompassUser, { description: 'compass registration: username, emailAddress and password are all required' })
  compassRegister(@Ctx() ctx: AppContext, @Arg('input', () => CompassRegisterInput) input: CompassRegisterInput): Promise<CompassUser> {
    return compass.register(ctx, input);
  }

  @Query(() => CompassTokenInfo, { description: 'The caller\'s token: user, role and expiry' })
  compassTokenInfo(@Ctx() ctx: AppContext): Promise<CompassTokenInfo> {
    return compass.tokenInfo(ctx);
  }

  @Query(() => CompassUserPage, { description: 'Admins' })
  compassUsers(
    @Ctx() ctx: AppContext,
    @Arg('filter', () => CompassUserFilter, { nullable: true }) filter?: CompassUserFilter | null,
    @Arg('limit', () => Int, { defaultValue: 50 }) limit?: number,
    @Arg('offset', () => Int, { defaultValue: 0 }) offset?: number,
  ): Promise<CompassUserPage> {
    return compass.listUsers(ctx, filter, limit, offset);
  }

  @Query(() => CompassUser, { description: 'The user themselves or an admin' })
  compassUser(@Ctx() ctx: AppContext, @Arg('userId', () => Int) userId: number): Promise<CompassUser> {
    return compass.getUser(ctx, userId);
  }

  @Mutation(() => CompassUser, { description: 'Admins' })
  compassCreateUser(@Ctx() ctx: AppContext, @Arg('input', () => CompassCreateUserInput) input: CompassCreateUserInput): Promise<CompassUser> {
    return compass.createUser(ctx, input);
  }

  @Mutation(() => CompassUser, { description: 'Admins; full replacement (optional fields left out become null)' })
  compassReplaceUser(
    @Ctx() ctx: AppContext,
    @Arg('userId', () => Int) userId: number,
    @Arg('input', () => CompassUserUpdateInput) input: CompassUserUpdateInput,
  ): Promise<CompassUser> {
    return compass.updateUser(ctx, userId, input, true);
  }

  @Mutation(() => CompassUser, { description: 'The user themselves or an admin; only admins change roles' })
  compassUpdateUser(
    @Ctx() ctx: AppContext,
    @Arg('userId', () => Int) userId: number,
    @Arg('input', () => CompassUserUpdateInput) input: CompassUserUpdateInput,
  ): Promise<CompassUser> {
    return compass.updateUser(ctx, userId, input, false);
  }

  @Mutation(() => Boolean, { description: 'The user themselves (old password required) or an admin' })
  compassChangePassword(
    @Ctx() ctx: AppContext,
    @Arg('userId', () => Int) userId: number,
    @Arg('newPassword', () => String, { nullable: true }) newPassword?: string | null,
    @Arg('oldPassword', () => String, { nullable: true }) oldPassword?: string | null,
  ): Promise<boolean> {
    return compass.changePassword(ctx, userId, oldPassword, newPassword);
  }

  @Mutation(() => Boolean, { description: 'Admins; answers, picture and sessions go with the user' })
  compassDeleteUser(@Ctx() ctx: AppContext, @Arg('userId', () => Int) userId: number): Promise<boolean> {
    return compass.deleteUser(ctx, userId);
  }

  @Mutation(() => CompassUser, { description: 'The user themselves or an admin; PNG, JPEG or WebP, at most 2 MB; sets profileUrl' })
  compassSetUserPicture(
    @Ctx() ctx: AppContext,
    @Arg('userId', () => Int) userId: number,
    @Arg('picture', () => GraphQLUpload, { nullable: true }) picture?: Promise<FileUpload> | null,
  ): Promise<CompassUser> {
    return compass.setUserPicture(ctx, userId, picture);
  }

  @Query(() => StoredFileRef, { description: 'The stored picture of a user (the user themselves or an admin)' })
  compassUserPicture(@Ctx() ctx: AppContext, @Arg('userId', () => Int) userId: number): Promise<StoredFileRef> {
    return compass.userPictureFile(ctx, userId);
  }

  // --- parties -----------------------------------------------------------------------------------

  @Query(() => [CompassParty], { description: 'Public' })
  compassParties(@Ctx() ctx: AppContext): Promise<CompassParty[]> {
    return compass.listParties(ctx);
  }

  @Query(() => CompassParty, { description: 'Public' })
  compassParty(@Ctx() ctx: AppContext, @Arg('partyId', () => Int) partyId: number): Promise<CompassParty> {
    return compass.getParty(ctx, partyId);
  }

  @Mutation(() => CompassPartyCreated, { description: 'Super admins; returns the party code and its admin account (password shown only here)' })
  compassCreateParty(@Ctx() ctx: AppContext, @Arg('input', () => CompassPartyInput) input: CompassPartyInput): Promise<CompassPartyCreated> {
    return compass.createParty(ctx, input);
  }

  @Mutation(() => CompassParty, { description: 'Super admins or the party\'s admin; full replacement' })
  compassReplaceParty(
    @Ctx() ctx: AppContext,
    @Arg('partyId', () => Int) partyId: number,
    @Arg('input', () => CompassPartyInput) input: CompassPartyInput,
  ): Promise<CompassParty> {
    return compass.updateParty(ctx, partyId, input, true);
  }

  @Mutation(() => CompassParty, { description: 'Super admins or the party\'s admin; the fields given' })
  compassUpdateParty(
    @Ctx() ctx: AppContext,
    @Arg('partyId', () => Int) partyId: number,
    @Arg('input', () => CompassPartyInput) input: CompassPartyInput,
  ): Promise<CompassParty> {
    return compass.updateParty(ctx, partyId, input, false);
  }

  @Mutation(() => Boolean, { description: 'Super admins' })
  compassDeleteParty(@Ctx() ctx: AppContext, @Arg('partyId', () => Int) partyId: number): Promise<boolean> {
    return compass.deleteParty(ctx, partyId);
  }

  @Mutation(() => CompassParty, { description: 'Super admins or the party\'s admin; PNG, JPEG or WebP, at most 2 MB' })
  compassSetPartyLogo(
    @Ctx() ctx: AppContext,
    @Arg('partyId', () => Int) partyId: number,
    @Arg('logo', () => GraphQLUpload, { nullable: true }) logo?: Promise<FileUpload> | null,
  ): Promise<CompassParty> {
    return compass.setPartyLogo(ctx, partyId, logo);
  }

  @Mutation(() => CompassParty, { description: 'Super admins or the party\'s admin' })
  compassRemovePartyLogo(@Ctx() ctx: AppContext, @Arg('partyId', () => Int) partyId: number): Promise<CompassParty> {
    return compass.removePartyLogo(ctx, partyId);
  }

  @Query(() => StoredFileRef, { description: 'The stored logo of a party (public)' })
  compassPartyLogo(@Ctx() ctx: AppContext, @Arg('partyId', () => Int) partyId: number): Promise<StoredFileRef> {
    return compass.partyLogoFile(ctx, partyId);
  }

  // --- questions ---------------------------------------------------------------------------------

  @Query(() => [CompassQuestion], { description: 'Public, in position order' })
  compassQuestions(@Ctx() ctx: AppContext): Promise<CompassQuestion[]> {
    return compass.listQuestions(ctx);
  }

  @Query(() => CompassQuestion, { description: 'Public' })
  compassQuestion(@Ctx() ctx: AppContext, @Arg('questionId', () => Int) questionId: number): Promise<CompassQuestion> {
    return compass.getQuestion(ctx, questionId);
  }

  @Mutation(() => CompassQuestion, { description: 'Super admins; every party gets an empty answer' })
  compassCreateQuestion(@Ctx() ctx: AppContext, @Arg('input', () => CompassQuestionInput) input: CompassQuestionInput): Promise<CompassQuestion> {
    return compass.createQuestion(ctx, input);
  }

  @Mutation(() => CompassQuestion, { description: 'Super admins; full replacement' })
  compassReplaceQuestion(
    @Ctx() ctx: AppContext,
    @Arg('questionId', () => Int) questionId: number,
    @Arg('input', () => CompassQuestionInput) input: CompassQuestionInput,
  ): Promise<CompassQuestion> {
    return compass.updateQuestion(ctx, questionId, input, true);
  }

  @Mutation(() => CompassQuestion, { description: 'Super admins; the fields given' })
  compassUpdateQuestion(
    @Ctx() ctx: AppContext,
    @Arg('questionId', () => Int) questionId: number,
    @Arg('input', () => CompassQuestionInput) input: CompassQuestionInput,
  ): Promise<CompassQuestion> {
    return compass.updateQuestion(ctx, questionId, input, false);
  }

  @Mutation(() => Boolean, { description: 'Super admins; the question\'s answers go with it' })
  compassDeleteQuestion(@Ctx() ctx: AppContext, @Arg('questionId', () => Int) questionId: number): Promise<boolean> {
    return compass.deleteQuestion(ctx, questionId);
  }

  // --- answers, positions, matches, analytics ----------------------------------------------------

  @Query(() => [CompassAnswer], { description: 'The user themselves or an admin; every question, "" when unanswered' })
  compassUserAnswers(@Ctx() ctx: AppContext, @Arg('userId', () => Int) userId: number): Promise<CompassAnswer[]> {
    return compass.userAnswers(ctx, userId);
  }

  @Mutation(() => [CompassAnswer], { description: 'The user themselves or an admin; the whole list at once, all or nothing' })
  compassSetUserAnswers(
    @Ctx() ctx: AppContext,
    @Arg('userId', () => Int) userId: number,
    @Arg('answers', () => [CompassAnswerInput]) answers: CompassAnswerInput[],
  ): Promise<CompassAnswer[]> {
    return compass.setUserAnswers(ctx, userId, answers);
  }

  @Query(() => [CompassAnswer], { description: 'Public; every question, "" when unanswered' })
  compassPartyAnswers(@Ctx() ctx: AppContext, @Arg('partyId', () => Int) partyId: number): Promise<CompassAnswer[]> {
    return compass.partyAnswers(ctx, partyId);
  }

  @Mutation(() => [CompassAnswer], { description: 'The party\'s admin or a super admin; the whole list at once, all or nothing' })
  compassSetPartyAnswers(
    @Ctx() ctx: AppContext,
    @Arg('partyId', () => Int) partyId: number,
    @Arg('answers', () => [CompassAnswerInput]) answers: CompassAnswerInput[],
  ): Promise<CompassAnswer[]> {
    return compass.setPartyAnswers(ctx, partyId, answers);
  }

  @Query(() => CompassPosition, { description: 'The user themselves or an admin' })
  compassUserPosition(@Ctx() ctx: AppContext, @Arg('userId', () => Int) userId: number): Promise<CompassPosition> {
    return compass.userPosition(ctx, userId);
  }

  @Query(() => CompassPosition, { description: 'Public' })
  compassPartyPosition(@Ctx() ctx: AppContext, @Arg('partyId', () => Int) partyId: number): Promise<CompassPosition> {
    return compass.partyPosition(ctx, partyId);
  }

  @Query(() => [CompassPartyPosition], { description: 'Public: every party\'s position' })
  compassPositions(@Ctx() ctx: AppContext): Promise<CompassPartyPosition[]> {
    return compass.allPartyPositions(ctx);
  }

  @Query(() => [CompassMatch], { description: 'The user themselves or an admin: the three nearest parties (ties by name)' })
  compassMatches(@Ctx() ctx: AppContext, @Arg('userId', () => Int) userId: number): Promise<CompassMatch[]> {
    return compass.matches(ctx, userId);
  }

  @Query(() => CompassAnalytics, { description: 'Admins' })
  compassAnalytics(@Ctx() ctx: AppContext): Promise<CompassAnalytics> {
    return compass.analytics(ctx);
  }

  /** Admins: fresh analytics whenever answers, parties, questions or users change, at most one event a second. */
  @Subscription(() => CompassAnalytics, {
    subscribe: ({ context }) => {
      const ctx = context as AppContext;
      requireAdmin(ctx);
      return analyticsEvents(ctx);
    },
  })
  compassAnalyticsChanged(@Ctx() ctx: AppContext): Promise<CompassAnalytics> {
    return compass.analytics({ ...ctx, em: ctx.em.fork() });
  }
}

@Resolver(() => CompassUser)
export class CompassUserFieldResolver {
  @FieldResolver(() => Int, { nullable: true, description: 'compass-only attribute' })
  patientNumber(@Root() user: CompassUser, @Ctx() ctx: AppContext): Promise<number | null> {
    return ctx.loader<string, number | null>('compass.patientNumber', (ids) => compass.patientNumbers(ctx, ids)).load(user.id);
  }

  @FieldResolver(() => CompassParty, { nullable: true, description: 'the party this account administers' })
  administeredParty(@Root() user: CompassUser, @Ctx() ctx: AppContext): Promise<CompassParty | null> {
    return ctx.loader<string, CompassParty | null>('compass.partyOfAdmin', (ids) => compass.partiesAdministered(ctx, ids)).load(user.id);
  }
}

@Resolver(() => CompassParty)
export class CompassPartyFieldResolver {
  @FieldResolver(() => String, { nullable: true })
  logoUrl(@Root() party: CompassParty, @Ctx() ctx: AppContext): string | null {
    return compass.logoUrl(ctx, party);
  }

  @FieldResolver(() => String, { nullable: true, description: 'the party code; super admins and the party\'s admins only' })
  code(@Root() party: CompassParty, @Ctx() ctx: AppContext): Promise<string | null> {
    return compass.partyCode(ctx, party);
  }

  @FieldResolver(() => CompassPosition)
  position(@Root() party: CompassParty, @Ctx() ctx: AppContext): Promise<CompassPosition> {
    return ctx.loader<number, CompassPosition>('compass.partyPosition', (ids) => compass.partyPositions(ctx, ids)).load(party.id);
  }
}
