/** conduct's organization operations (conduct-core.md "Organizations"); the rules are organizations.service.ts's. */
import { Arg, Ctx, Field, FieldResolver, ID, InputType, Int, Mutation, ObjectType, Query, Resolver, Root, Subscription } from 'type-graphql';
import { GraphQLUpload } from 'graphql-upload-minimal';
import type { FileUpload } from 'graphql-upload-minimal';
import { wrap } from '@mikro-orm/core';
import type { AppContext } from '../../context/context';
import { access, Allow } from '../../auth/access';
import { ListSize } from '../../server/cost';
import { badInput } from '../../errors/domain-error';
import { StoredFileRef } from '../../storage/stored-file.types';
import { User } from '../identity/user.entity';
import { ConductEvent } from './event.entity';
import { ConductInvite } from './invite.entity';
import { ConductOrganization, ConductOrgMembership } from './organization.entity';
import { conductMember, findOrganization, requireOrgRole } from './conduct-access';
import { filterAsync } from '../../pubsub/filter';
import type { Topics } from '../../pubsub/topics';
import { LiveShared } from '../../server/fanout';
import * as orgs from './organizations.service';

@ObjectType({ description: 'A change of membership in an organization' })
export class ConductOrgMembershipChange {
  @Field(() => String, { description: 'MEMBER_ADDED, MEMBER_UPDATED or MEMBER_REMOVED' }) kind!: string;
  @Field(() => ID) organizationId!: string;
  @Field(() => ID) userId!: string;
}

@ObjectType({ description: 'A page of organizations and how many match' })
export class ConductOrganizationPage {
  @ListSize({ max: orgs.ORGANIZATIONS_MAX })
  @Field(() => [ConductOrganization])
  organizations!: ConductOrganization[];
  @Field(() => Int) total!: number;
  @Field(() => Int) page!: number;
  @Field(() => Int) limit!: number;
  @Field(() => Int) totalPages!: number;
}

@ObjectType({ description: 'An event of an organization with its counts' })
export class ConductOrgEvent {
  @Field(() => ConductEvent) event!: ConductEvent;
  @Field(() => Int, { description: 'its reports' }) reportCount!: number;
  @Field(() => Int, { description: 'its role assignments (a user holding two roles counts twice)' }) roleCount!: number;
}

@ObjectType({ description: "A page of an organization's events and how many match" })
export class ConductOrgEventPage {
  @ListSize({ max: orgs.ORG_EVENTS_MAX })
  @Field(() => [ConductOrgEvent])
  events!: ConductOrgEvent[];
  @Field(() => Int) total!: number;
  @Field(() => Int) page!: number;
  @Field(() => Int) limit!: number;
  @Field(() => Int) totalPages!: number;
}

@ObjectType({ description: 'An organization invite as its public page shows it' })
export class ConductOrgInviteView {
  @Field(() => ConductInvite) invite!: ConductInvite;
  @Field(() => ConductOrganization) organization!: ConductOrganization;
}

@InputType({ description: 'A new organization' })
export class CreateConductOrganizationInput {
  @Field(() => String) name!: string;
  @Field(() => String, { description: 'a-z, 0-9 and - only; unique' }) slug!: string;
  @Field(() => String, { nullable: true }) description?: string | null;
  @Field(() => String, { nullable: true }) website?: string | null;
}

@InputType({ description: 'Changes to an organization: absent fields keep their value; null or blank clears description and website' })
export class UpdateConductOrganizationInput {
  @Field(() => String, { nullable: true }) name?: string | null;
  @Field(() => String, { nullable: true }) slug?: string | null;
  @Field(() => String, { nullable: true }) description?: string | null;
  @Field(() => String, { nullable: true }) website?: string | null;
}

@InputType({ description: 'A new event of an organization' })
export class CreateConductOrgEventInput {
  @Field(() => String) name!: string;
  @Field(() => String, { description: 'a-z, 0-9 and - only; unique among events' }) slug!: string;
  @Field(() => String, { nullable: true }) description?: string | null;
  @Field(() => Date, { nullable: true }) startDate?: Date | null;
  @Field(() => Date, { nullable: true }) endDate?: Date | null;
  @Field(() => String, { nullable: true }) website?: string | null;
  @Field(() => String, { nullable: true }) contactEmail?: string | null;
  @Field(() => String, { nullable: true, description: 'markdown' }) codeOfConduct?: string | null;
}

@InputType({ description: 'An organization invite link: role (org_admin or org_viewer) is required on creation; absent fields keep their value on update' })
export class ConductOrgInviteInput {
  @Field(() => String, { nullable: true, description: 'org_admin or org_viewer' }) role?: string | null;
  @Field(() => Int, { nullable: true, description: 'null: unlimited' }) maxUses?: number | null;
  @Field(() => Date, { nullable: true, description: 'null: never expires' }) expiresAt?: Date | null;
  @Field(() => String, { nullable: true }) note?: string | null;
  @Field(() => Boolean, { nullable: true }) disabled?: boolean | null;
}

const ref = (organizationId?: string | null, slug?: string | null) => {
  if ((organizationId ? 1 : 0) + (slug ? 1 : 0) !== 1) throw badInput('Give exactly one of organizationId and slug', { organizationId: 'or slug is required' });
  return organizationId ? { id: organizationId } : { slug: slug! };
};

@Resolver()
export class ConductOrganizationsResolver {
  @Allow(access.admin)
  @ListSize({ max: orgs.ORGANIZATIONS_MAX, slicingArguments: ['limit'], sizedFields: ['organizations'] })
  @Query(() => ConductOrganizationPage, { description: 'SuperAdmin: every organization, newest first; search on name and description (any case)' })
  async conductOrganizations(
    @Ctx() ctx: AppContext,
    @Arg('search', () => String, { nullable: true }) search?: string | null,
    @Arg('page', () => Int, { nullable: true, description: 'from 1 (default)' }) page?: number | null,
    @Arg('limit', () => Int, { nullable: true, description: 'at most 100; default 20' }) limit?: number | null,
  ): Promise<ConductOrganizationPage> {
    const p = await orgs.organizations(ctx, { search, page, limit });
    return { organizations: p.items, total: p.total, page: p.page, limit: p.limit, totalPages: p.totalPages };
  }

  @Allow(conductMember)
  @Query(() => ConductOrganization, { description: 'One organization by id or slug (its members and the SuperAdmin)' })
  conductOrganization(
    @Ctx() ctx: AppContext,
    @Arg('id', () => ID, { nullable: true }) id?: string | null,
    @Arg('slug', () => String, { nullable: true }) slug?: string | null,
  ): Promise<ConductOrganization> {
    return orgs.organization(ctx, ref(id, slug));
  }

  @Allow(conductMember)
  @ListSize({ max: orgs.MY_ORGANIZATIONS_MAX })
  @Query(() => [ConductOrgMembership], { description: "The viewer's organization memberships (with their organizations), by organization name" })
  myConductOrganizations(@Ctx() ctx: AppContext): Promise<ConductOrgMembership[]> {
    return orgs.myMemberships(ctx);
  }

  @Allow(access.admin)
  @Mutation(() => ConductOrganization, { description: 'SuperAdmin: a new organization; the creator becomes its org_admin' })
  createConductOrganization(@Ctx() ctx: AppContext, @Arg('input', () => CreateConductOrganizationInput) input: CreateConductOrganizationInput): Promise<ConductOrganization> {
    return orgs.createOrganization(ctx, input);
  }

  @Allow(conductMember)
  @Mutation(() => ConductOrganization, { description: "org_admin: the organization's name, slug, description, website" })
  updateConductOrganization(
    @Ctx() ctx: AppContext,
    @Arg('id', () => ID) id: string,
    @Arg('input', () => UpdateConductOrganizationInput) input: UpdateConductOrganizationInput,
  ): Promise<ConductOrganization> {
    return orgs.updateOrganization(ctx, id, input);
  }

  @Allow(access.admin)
  @Mutation(() => Boolean, { description: 'SuperAdmin: the organization goes with its members, invites, events (and their data) and logos' })
  deleteConductOrganization(@Ctx() ctx: AppContext, @Arg('id', () => ID) id: string): Promise<boolean> {
    return orgs.deleteOrganization(ctx, id);
  }

  @Allow(conductMember)
  @Mutation(() => ConductOrgMembership, { description: 'org_admin: adds a user to the organization with a role (org_admin or org_viewer)' })
  addConductOrgMember(
    @Ctx() ctx: AppContext,
    @Arg('organizationId', () => ID) organizationId: string,
    @Arg('userId', () => ID) userId: string,
    @Arg('role', () => String, { description: 'org_admin or org_viewer' }) role: string,
  ): Promise<ConductOrgMembership> {
    return orgs.addMember(ctx, organizationId, userId, role);
  }

  @Allow(conductMember)
  @Mutation(() => ConductOrgMembership, { description: "org_admin: a member's role (org_admin or org_viewer)" })
  updateConductOrgMember(
    @Ctx() ctx: AppContext,
    @Arg('organizationId', () => ID) organizationId: string,
    @Arg('userId', () => ID) userId: string,
    @Arg('role', () => String, { description: 'org_admin or org_viewer' }) role: string,
  ): Promise<ConductOrgMembership> {
    return orgs.updateMember(ctx, organizationId, userId, role);
  }

  @Allow(conductMember)
  @Mutation(() => Boolean, { description: 'org_admin: removes a member' })
  removeConductOrgMember(@Ctx() ctx: AppContext, @Arg('organizationId', () => ID) organizationId: string, @Arg('userId', () => ID) userId: string): Promise<boolean> {
    return orgs.removeMember(ctx, organizationId, userId);
  }

  @Allow(conductMember)
  @Mutation(() => ConductEvent, { description: "org_admin: a new event of the organization; the creator gets the event's Admin role" })
  createConductOrgEvent(
    @Ctx() ctx: AppContext,
    @Arg('organizationId', () => ID) organizationId: string,
    @Arg('input', () => CreateConductOrgEventInput) input: CreateConductOrgEventInput,
  ): Promise<ConductEvent> {
    return orgs.createOrgEvent(ctx, organizationId, input);
  }

  @Allow(conductMember)
  @ListSize({ max: orgs.ORG_EVENTS_MAX, slicingArguments: ['limit'], sizedFields: ['events'] })
  @Query(() => ConductOrgEventPage, { description: "Members: the organization's events, newest first; search on name and description, isActive" })
  async conductOrgEvents(
    @Ctx() ctx: AppContext,
    @Arg('organizationId', () => ID) organizationId: string,
    @Arg('search', () => String, { nullable: true }) search?: string | null,
    @Arg('isActive', () => Boolean, { nullable: true }) isActive?: boolean | null,
    @Arg('page', () => Int, { nullable: true, description: 'from 1 (default)' }) page?: number | null,
    @Arg('limit', () => Int, { nullable: true, description: 'at most 100; default 20' }) limit?: number | null,
  ): Promise<ConductOrgEventPage> {
    const p = await orgs.orgEvents(ctx, organizationId, { search, isActive, page, limit });
    return { events: p.items, total: p.total, page: p.page, limit: p.limit, totalPages: p.totalPages };
  }

  @Allow(conductMember)
  @Mutation(() => ConductOrganization, { description: "org_admin: the organization's logo (an image by content, at most 5 MB), by organizationId or slug" })
  setConductOrgLogo(
    @Ctx() ctx: AppContext,
    @Arg('logo', () => GraphQLUpload, { nullable: true, description: 'required; absent: 400 after the access checks' }) logo?: Promise<FileUpload> | null,
    @Arg('organizationId', () => ID, { nullable: true }) organizationId?: string | null,
    @Arg('slug', () => String, { nullable: true }) slug?: string | null,
  ): Promise<ConductOrganization> {
    return orgs.setLogo(ctx, ref(organizationId, slug), logo);
  }

  @Allow(access.public)
  @Query(() => StoredFileRef, { nullable: true, description: "An organization's logo by organizationId or slug (public; null: none)" })
  conductOrgLogo(
    @Ctx() ctx: AppContext,
    @Arg('organizationId', () => ID, { nullable: true }) organizationId?: string | null,
    @Arg('slug', () => String, { nullable: true }) slug?: string | null,
  ): Promise<StoredFileRef | null> {
    return orgs.logo(ctx, ref(organizationId, slug));
  }

  @Allow(conductMember)
  @Mutation(() => ConductInvite, { description: 'org_admin: a new invite link to the organization' })
  createConductOrgInvite(
    @Ctx() ctx: AppContext,
    @Arg('organizationId', () => ID) organizationId: string,
    @Arg('input', () => ConductOrgInviteInput) input: ConductOrgInviteInput,
  ): Promise<ConductInvite> {
    return orgs.createOrgInvite(ctx, organizationId, input);
  }

  @Allow(conductMember)
  @ListSize({ max: orgs.ORG_INVITES_MAX })
  @Query(() => [ConductInvite], { description: "org_admin: the organization's invite links, newest first" })
  conductOrgInvites(@Ctx() ctx: AppContext, @Arg('organizationId', () => ID) organizationId: string): Promise<ConductInvite[]> {
    return orgs.orgInvites(ctx, organizationId);
  }

  @Allow(conductMember)
  @Mutation(() => ConductInvite, { description: 'org_admin: changes an invite link (disabled, note, expiry, max uses)' })
  updateConductOrgInvite(
    @Ctx() ctx: AppContext,
    @Arg('organizationId', () => ID) organizationId: string,
    @Arg('inviteId', () => ID) inviteId: string,
    @Arg('input', () => ConductOrgInviteInput) input: ConductOrgInviteInput,
  ): Promise<ConductInvite> {
    return orgs.updateOrgInvite(ctx, organizationId, inviteId, input);
  }

  @Allow(access.public)
  @Query(() => ConductOrgInviteView, { description: 'An organization invite by its code, whatever its state (public)' })
  conductOrgInvite(@Ctx() ctx: AppContext, @Arg('code', () => String) code: string): Promise<ConductOrgInviteView> {
    return orgs.orgInviteByCode(ctx, code);
  }

  @Allow(conductMember)
  @Mutation(() => ConductOrgMembership, { description: 'Uses an organization invite: the viewer becomes a member with its role' })
  useConductOrgInvite(@Ctx() ctx: AppContext, @Arg('code', () => String) code: string): Promise<ConductOrgMembership> {
    return orgs.useOrgInvite(ctx, code);
  }

  /** The organization's members (and the SuperAdmin) see every change; anyone else only their own (being added). */
  @Allow(conductMember)
  @LiveShared()
  @Subscription(() => ConductOrgMembershipChange, {
    description: 'Membership changes of an organization (its members: all; others: their own)',
    subscribe: async ({ args, context }) => {
      const ctx = context as AppContext;
      const organization = await findOrganization(ctx, { id: args.organizationId as string });
      return filterAsync(ctx.app.pubsub.subscribe('conduct.orgMembershipChanged'), async (e) => {
        if (e.organizationId !== organization.id) return false;
        await ctx.refreshViewer();
        if (!ctx.viewer) return false;
        if (e.userId === ctx.viewer.id) return true;
        return requireOrgRole(ctx, organization.id, 'org_viewer').then(
          () => true,
          () => false,
        );
      });
    },
  })
  conductOrgMembershipChanged(@Root() e: Topics['conduct.orgMembershipChanged'], @Arg('organizationId', () => ID) _organizationId: string): ConductOrgMembershipChange {
    return e;
  }
}

/** An organization's members and counts (its members and the SuperAdmin) and its logo (public). */
@Resolver(() => ConductOrganization)
export class ConductOrganizationFieldResolver {
  @ListSize({ max: orgs.ORG_MEMBERS_MAX, slicingArguments: ['limit'] })
  @FieldResolver(() => [ConductOrgMembership], { description: 'its members (the first `limit` by join date); members and the SuperAdmin only' })
  async memberships(
    @Root() org: ConductOrganization,
    @Ctx() ctx: AppContext,
    @Arg('limit', () => Int, { defaultValue: orgs.ORG_MEMBERS_MAX, description: 'at most 1000 (the default)' }) limit: number,
  ): Promise<ConductOrgMembership[]> {
    await orgs.requireOrgReader(ctx, org.id);
    if (!Number.isInteger(limit) || limit < 1 || limit > orgs.ORG_MEMBERS_MAX)
      throw badInput(`limit must be from 1 to ${orgs.ORG_MEMBERS_MAX}`, { limit: `must be from 1 to ${orgs.ORG_MEMBERS_MAX}` });
    return orgs.memberships(ctx, org.id, limit);
  }

  @FieldResolver(() => Int, { description: 'how many events it has; members and the SuperAdmin only' })
  async eventCount(@Root() org: ConductOrganization, @Ctx() ctx: AppContext): Promise<number> {
    await orgs.requireOrgReader(ctx, org.id);
    return (await orgs.organizationCounts(ctx, org.id)).events;
  }

  @FieldResolver(() => Int, { description: 'how many members it has; members and the SuperAdmin only' })
  async memberCount(@Root() org: ConductOrganization, @Ctx() ctx: AppContext): Promise<number> {
    await orgs.requireOrgReader(ctx, org.id);
    return (await orgs.organizationCounts(ctx, org.id)).members;
  }

  @FieldResolver(() => StoredFileRef, { nullable: true, description: 'the stored logo (public); its id changes when it is replaced' })
  logo(@Root() org: ConductOrganization): StoredFileRef | null {
    return org.logoFileId ? { id: org.logoFileId } : null;
  }
}

/** A membership's user and organization (loaded with it where the service populated them, else batched). */
@Resolver(() => ConductOrgMembership)
export class ConductOrgMembershipFieldResolver {
  @FieldResolver(() => User)
  user(@Root() m: ConductOrgMembership, @Ctx() ctx: AppContext): User | Promise<User> {
    if (wrap(m.user).isInitialized()) return m.user;
    return ctx
      .loader<string, User>('conduct.orgMemberUser', async (ids) => {
        const users = await ctx.em.find(User, { id: { $in: ids as string[] } });
        return ids.map((id) => users.find((u) => u.id === id) ?? new Error('User not found'));
      })
      .load(m.user.id);
  }

  @FieldResolver(() => ConductOrganization)
  organization(@Root() m: ConductOrgMembership, @Ctx() ctx: AppContext): ConductOrganization | Promise<ConductOrganization> {
    if (wrap(m.organization).isInitialized()) return m.organization;
    return ctx
      .loader<string, ConductOrganization>('conduct.orgById', async (ids) => {
        const rows = await ctx.em.find(ConductOrganization, { id: { $in: ids as string[] } });
        return ids.map((id) => rows.find((o) => o.id === id) ?? new Error('Organization not found'));
      })
      .load(m.organization.id);
  }
}
