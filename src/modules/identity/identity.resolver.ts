import { Arg, Ctx, FieldResolver, ID, Int, Mutation, Query, Resolver, Root, Subscription } from 'type-graphql';
import type { AppContext } from '../../context/context';
import { access, Allow } from '../../auth/access';
import { requireViewer } from '../../auth/guards';
import { filterAsync } from '../../pubsub/filter';
import { GraphQLUpload, FileUpload } from 'graphql-upload-minimal';
import { readUploadField } from '../../storage/storage';
import { StoredFileRef } from '../../storage/stored-file.types';
import { Role, User } from './user.entity';
import { MailMessage } from './mail-message.entity';
import {
  AuthPayload,
  CreateUserInput,
  CurrentSession,
  LoginInput,
  PasswordResetToken,
  RegisterInput,
  TwoFactorSetup,
  UpdateUserInput,
  UserChange,
  UserChangeKind,
  UserFilter,
  UserPage,
} from './identity.inputs';
import * as identity from './identity.service';
import * as userAdmin from './user-admin.service';
import { Application } from './enrollment';
import { AppMembership, MembershipRole, MembershipStatus } from './app-membership.entity';
import * as memberships from './membership.service';
import type { Topics } from '../../pubsub/topics';
import { ListSize } from '../../server/cost';
import { MAIL_OUTBOX_MAX, USERS_PAGE_MAX } from './list-sizes';
import { LiveShared } from '../../server/fanout';

@Resolver(() => User)
export class IdentityResolver {
  @LiveShared()
  @FieldResolver(() => Date, { nullable: true, description: 'When the user last logged in (the start of their newest session)' })
  lastLoginAt(@Root() user: User, @Ctx() ctx: AppContext): Promise<Date | null> {
    return identity.lastLoginAt(ctx, user.id);
  }

  @Allow(access.public)
  @Mutation(() => User, {
    description:
      "The first user ever becomes ADMIN unless an admin was bootstrapped. `application` applies that application's " +
      "enrollment rule (CAKEPLANNER: the account waits for an admin's activation unless CAKE_AUTO_ACTIVATE, and its admins are mailed)",
  })
  register(
    @Ctx() ctx: AppContext,
    @Arg('input', () => RegisterInput) input: RegisterInput,
    @Arg('application', () => Application, { nullable: true, description: 'the application the user signs up through' }) application?: Application | null,
  ): Promise<User> {
    return identity.register(ctx, input, application);
  }

  @Allow(access.public)
  @Mutation(() => AuthPayload, { description: 'Also sets the HttpOnly `session` cookie' })
  login(@Ctx() ctx: AppContext, @Arg('input', () => LoginInput) input: LoginInput): Promise<AuthPayload> {
    return identity.login(ctx, input);
  }

  @Allow(access.signedIn)
  @Mutation(() => Boolean)
  logout(@Ctx() ctx: AppContext): Promise<boolean> {
    return identity.logout(ctx);
  }

  @Allow(access.signedIn)
  @Query(() => User)
  me(@Ctx() ctx: AppContext): User {
    return identity.me(ctx);
  }

  @Allow(access.signedIn)
  @Query(() => CurrentSession, { description: 'The session of the token the request carries (its expiry)' })
  currentSession(@Ctx() ctx: AppContext): Promise<CurrentSession> {
    return identity.currentSession(ctx);
  }

  @Allow(access.signedIn)
  @Mutation(() => Boolean, {
    description:
      'Your own password (no user named, or yourself): the old password is checked when given, your other sessions end. ' +
      "Admins set another user's password (userId or userNumber) without the old one; all of that user's sessions end",
  })
  changePassword(
    @Ctx() ctx: AppContext,
    @Arg('newPassword', () => String) newPassword: string,
    @Arg('oldPassword', () => String, { nullable: true, description: 'checked when given' }) oldPassword?: string | null,
    @Arg('userId', () => ID, { nullable: true }) userId?: string | null,
    @Arg('userNumber', () => Int, { nullable: true }) userNumber?: number | null,
  ): Promise<boolean> {
    const key = (userId ?? userNumber) == null ? undefined : identity.userKey(userId, userNumber, ['userId', 'userNumber']);
    return identity.changePassword(ctx, key, oldPassword, newPassword);
  }

  @Allow(access.public)
  @Mutation(() => Boolean, {
    description:
      'Always succeeds (no enumeration): an active account with that address is mailed a single-use token valid 30 minutes. ' +
      '`application` mails it the way that application does (CONDUCT: a link to its reset page, no temporary password); ' +
      'without it the mail also carries a temporary password for one login',
  })
  requestPasswordReset(
    @Ctx() ctx: AppContext,
    @Arg('email', () => String) email: string,
    @Arg('application', () => Application, { nullable: true, description: 'the application whose reset page the user came from' }) application?: Application | null,
  ): Promise<boolean> {
    return identity.requestPasswordReset(ctx, email, application);
  }

  @Allow(access.public)
  @Query(() => PasswordResetToken, { description: 'Checks a password reset token without using it' })
  passwordResetToken(@Ctx() ctx: AppContext, @Arg('token', () => String) token: string): Promise<PasswordResetToken> {
    return identity.passwordResetStatus(ctx, token) as Promise<PasswordResetToken>;
  }

  @Allow(access.public)
  @Query(() => Boolean, { description: 'Whether an address can still register (no account has it, in any case)' })
  emailAvailable(@Ctx() ctx: AppContext, @Arg('email', () => String) email: string): Promise<boolean> {
    return identity.emailAvailable(ctx, email);
  }

  @Allow(access.public)
  @Query(() => Boolean, { description: 'Whether no account exists yet (the first registration becomes ADMIN)' })
  firstUserNeeded(@Ctx() ctx: AppContext): Promise<boolean> {
    return identity.firstUserNeeded(ctx);
  }

  @Allow(access.public)
  @Mutation(() => Boolean)
  resetPassword(@Ctx() ctx: AppContext, @Arg('token', () => String) token: string, @Arg('newPassword', () => String) newPassword: string): Promise<boolean> {
    return identity.resetPassword(ctx, token, newPassword);
  }

  @Allow(access.signedIn)
  @Mutation(() => TwoFactorSetup)
  setupTwoFactor(@Ctx() ctx: AppContext): Promise<TwoFactorSetup> {
    return identity.setupTwoFactor(ctx);
  }

  @Allow(access.signedIn)
  @Mutation(() => Boolean)
  activateTwoFactor(@Ctx() ctx: AppContext, @Arg('code', () => String) code: string): Promise<boolean> {
    return identity.activateTwoFactor(ctx, code);
  }

  @Allow(access.signedIn)
  @Mutation(() => Boolean)
  disableTwoFactor(@Ctx() ctx: AppContext, @Arg('password', () => String) password: string): Promise<boolean> {
    return identity.disableTwoFactor(ctx, password);
  }

  @Allow(access.signedIn)
  @Mutation(() => User)
  updateSettings(
    @Ctx() ctx: AppContext,
    @Arg('language', () => String, { nullable: true }) language?: string | null,
    @Arg('emailLanguage', () => String, { nullable: true }) emailLanguage?: string | null,
  ): Promise<User> {
    return identity.updateSettings(ctx, language, emailLanguage);
  }

  @Allow(access.signedIn)
  @Mutation(() => Boolean, { description: 'Anonymises the account; login becomes impossible' })
  deleteMyAccount(@Ctx() ctx: AppContext): Promise<boolean> {
    return identity.deleteMyAccount(ctx);
  }

  // --- administration -------------------------------------------------------------------------

  @Allow(access.admin)
  @ListSize({ max: USERS_PAGE_MAX, slicingArguments: ['limit'], sizedFields: ['items'] })
  @Query(() => UserPage)
  users(
    @Ctx() ctx: AppContext,
    @Arg('filter', () => UserFilter, { nullable: true }) filter?: UserFilter | null,
    @Arg('limit', () => Int, { defaultValue: 50 }) limit?: number,
    @Arg('offset', () => Int, { defaultValue: 0 }) offset?: number,
  ): Promise<UserPage> {
    return userAdmin.listUsers(ctx, filter, limit, offset);
  }

  @Allow(access.signedIn)
  @Query(() => User, { description: 'The user themselves or an admin; by id or by number (exactly one)' })
  user(@Ctx() ctx: AppContext, @Arg('id', () => ID, { nullable: true }) id?: string | null, @Arg('number', () => Int, { nullable: true }) number?: number | null): Promise<User> {
    return identity.getUser(ctx, identity.userKey(id, number));
  }

  @Allow(access.admin)
  @Mutation(() => User)
  createUser(@Ctx() ctx: AppContext, @Arg('input', () => CreateUserInput) input: CreateUserInput): Promise<User> {
    return userAdmin.createUser(ctx, input);
  }

  @Allow(access.signedIn)
  @Mutation(() => User, {
    description: 'The user themselves or an admin, by id or by number (exactly one): the fields given; only admins change roles and passwords',
  })
  updateUser(
    @Ctx() ctx: AppContext,
    @Arg('input', () => UpdateUserInput) input: UpdateUserInput,
    @Arg('id', () => ID, { nullable: true }) id?: string | null,
    @Arg('number', () => Int, { nullable: true }) number?: number | null,
  ): Promise<User> {
    return identity.updateUser(ctx, identity.userKey(id, number), input);
  }

  @Allow(access.admin)
  @Mutation(() => User)
  setUserActive(@Ctx() ctx: AppContext, @Arg('id', () => ID) id: string, @Arg('active', () => Boolean) active: boolean): Promise<User> {
    return userAdmin.setUserActive(ctx, id, active);
  }

  @Allow(access.admin)
  @Mutation(() => AppMembership, {
    description: "Platform admins: a user's status (and role) in an application — cakeplanner's activation; coparent's memberships belong to households (addHouseholdMember)",
  })
  setEnrollment(
    @Ctx() ctx: AppContext,
    @Arg('userId', () => ID) userId: string,
    @Arg('application', () => Application) application: Application,
    @Arg('status', () => MembershipStatus) status: MembershipStatus,
    @Arg('role', () => MembershipRole, { nullable: true }) role?: MembershipRole | null,
  ): Promise<AppMembership> {
    return memberships.setEnrollment(ctx, userId, application, status, role);
  }

  @ListSize({ max: Object.keys(Application).length })
  @FieldResolver(() => [AppMembership], { description: 'The applications the user is enrolled in (the user themselves or a platform admin)' })
  memberships(@Root() user: User, @Ctx() ctx: AppContext): Promise<AppMembership[]> {
    return memberships.membershipsOf(ctx, user);
  }

  @Allow(access.admin)
  @Mutation(() => User)
  setUserRole(@Ctx() ctx: AppContext, @Arg('id', () => ID) id: string, @Arg('role', () => Role) role: Role): Promise<User> {
    return userAdmin.setUserRole(ctx, id, role);
  }

  @Allow(access.admin)
  @Mutation(() => User, { description: 'Sets (or, with mustChange false, clears) the forced password change at the next login' })
  forcePasswordChange(@Ctx() ctx: AppContext, @Arg('id', () => ID) id: string, @Arg('mustChange', () => Boolean, { defaultValue: true }) mustChange: boolean): Promise<User> {
    return userAdmin.forcePasswordChange(ctx, id, mustChange);
  }

  @Allow(access.admin)
  @Mutation(() => Boolean, { description: 'By id or by number (exactly one); a hard delete: owned rows, sessions and the picture go with the user' })
  deleteUser(
    @Ctx() ctx: AppContext,
    @Arg('id', () => ID, { nullable: true }) id?: string | null,
    @Arg('number', () => Int, { nullable: true }) number?: number | null,
  ): Promise<boolean> {
    return userAdmin.deleteUser(ctx, identity.userKey(id, number));
  }

  @Allow(access.signedIn)
  @Mutation(() => User, {
    description:
      'Self or admin, by userId or userNumber (exactly one); PNG, JPEG or WebP by content, at most 2 MB; becomes the profile picture ' +
      '(profileUrl is cleared) and replaces the old one',
  })
  async uploadAvatar(
    @Ctx() ctx: AppContext,
    @Arg('file', () => GraphQLUpload) file: Promise<FileUpload>,
    @Arg('userId', () => ID, { nullable: true }) userId?: string | null,
    @Arg('userNumber', () => Int, { nullable: true }) userNumber?: number | null,
  ): Promise<User> {
    const key = identity.userKey(userId, userNumber, ['userId', 'userNumber']);
    identity.requireSelfOrAdmin(ctx, key);
    const bytes = await readUploadField(file, identity.AVATAR_POLICY, 'file');
    return identity.setAvatar(ctx, key, bytes);
  }

  @Allow(access.signedIn)
  @Mutation(() => User)
  removeAvatar(@Ctx() ctx: AppContext, @Arg('userId', () => ID) userId: string): Promise<User> {
    return identity.removeAvatar(ctx, userId);
  }

  @Allow(access.signedIn)
  @Query(() => StoredFileRef, { nullable: true, description: 'The stored avatar of a user (signed-in callers)' })
  avatar(@Ctx() ctx: AppContext, @Arg('userId', () => ID) userId: string): Promise<StoredFileRef | null> {
    return identity.avatarFile(ctx, userId);
  }

  @Allow(access.admin)
  @ListSize({ max: MAIL_OUTBOX_MAX })
  @Query(() => [MailMessage], { description: 'Admins only; empty in production' })
  mailOutbox(@Ctx() ctx: AppContext, @Arg('to', () => String, { nullable: true }) to?: string | null): Promise<MailMessage[]> {
    return userAdmin.mailOutbox(ctx, to);
  }

  /** Admins see every user's changes; a user sees their own. */
  @Allow(access.signedIn)
  @LiveShared()
  @Subscription(() => UserChange, {
    subscribe: ({ context }) => {
      const ctx = context as AppContext;
      requireViewer(ctx);
      // the subscriber's current session and role decide each event (a demoted admin stops seeing others')
      return filterAsync(ctx.app.pubsub.subscribe('identity.userChanged'), async (e) => {
        await ctx.refreshViewer();
        return ctx.viewer !== undefined && (ctx.viewer.role === Role.ADMIN || e.userId === ctx.viewer.id);
      });
    },
  })
  async userChanged(@Root() event: Topics['identity.userChanged'], @Ctx() ctx: AppContext): Promise<UserChange> {
    const user = event.kind === 'DELETED' ? null : await ctx.em.fork().findOne(User, { id: event.userId });
    return { kind: event.kind as UserChangeKind, userId: event.userId, user };
  }
}
