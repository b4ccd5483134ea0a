/** conduct's operations on events (conduct-core.md "Events"): the public list, one event, changes, my roles, logos, a member's activity and reports. */
import { Arg, Ctx, Field, FieldResolver, ID, InputType, Int, Mutation, ObjectType, Query, Resolver, Root } from 'type-graphql';
import { GraphQLJSONObject } from 'graphql-scalars';
import { GraphQLUpload, FileUpload } from 'graphql-upload-minimal';
import type { AppContext } from '../../context/context';
import { access, Allow } from '../../auth/access';
import { ListSize } from '../../server/cost';
import { badInput } from '../../errors/domain-error';
import { readUploadField } from '../../storage/storage';
import { StoredFileRef } from '../../storage/stored-file.types';
import { User } from '../identity/user.entity';
import { ConductEvent } from './event.entity';
import { ConductEventRoleName } from './event-role.entity';
import { ConductReport } from './report.entity';
import { conductMember, eventWithRole } from './conduct-access';
import * as events from './events.service';

@InputType({ description: 'A change of an event: absent fields keep their value, null clears an optional one' })
export class UpdateConductEventInput {
  @Field(() => String, { nullable: true, description: 'cannot be cleared' }) name?: string | null;
  @Field(() => String, { nullable: true, description: 'renames the event ([a-z0-9-]); the old slug is then unknown' }) newSlug?: string | null;
  @Field(() => String, { nullable: true }) description?: string | null;
  @Field(() => Date, { nullable: true }) startDate?: Date | null;
  @Field(() => Date, { nullable: true }) endDate?: Date | null;
  @Field(() => String, { nullable: true }) website?: string | null;
  @Field(() => String, { nullable: true }) contactEmail?: string | null;
  @Field(() => String, { nullable: true, description: 'markdown' }) codeOfConduct?: string | null;
  @Field(() => Boolean, { nullable: true, description: 'true: the stored logo goes (logos are uploaded with uploadConductEventLogo)' }) removeLogo?: boolean | null;
}

@ObjectType({ description: "The viewer's roles in one event" })
export class ConductMyEventRoles {
  @ListSize({ max: 3 })
  @Field(() => [ConductEventRoleName], { description: 'highest first; empty without a role' })
  roles!: ConductEventRoleName[];
  @Field(() => Boolean, { description: 'the platform ADMIN (passes every event check without a role)' }) superAdmin!: boolean;
}

@ObjectType({ description: "An item of a user's activity in an event" })
export class ConductUserActivity {
  @Field(() => ID) id!: string;
  @Field(() => String, { description: 'report (a report they submitted) or audit (an action of theirs)' }) type!: string;
  @Field(() => String) action!: string;
  @Field(() => String) title!: string;
  @Field(() => GraphQLJSONObject) details!: Record<string, unknown>;
  @Field(() => Date) timestamp!: Date;
}

@ObjectType({ description: "A page of a user's activity in an event, and how many items there are" })
export class ConductUserActivityPage {
  @ListSize({ max: events.MEMBER_PAGE_MAX })
  @Field(() => [ConductUserActivity])
  activities!: ConductUserActivity[];
  @Field(() => Int) total!: number;
}

@ObjectType({ description: 'A report with the people it names, as a member profile lists it' })
export class ConductUserReport {
  @Field(() => ConductReport) report!: ConductReport;
  @Field(() => User, { nullable: true }) reporter!: User | null;
  @Field(() => User, { nullable: true }) assignedResponder!: User | null;
}

@ObjectType({ description: "A page of a user's reports in an event, and how many match" })
export class ConductUserReportPage {
  @ListSize({ max: events.MEMBER_PAGE_MAX })
  @Field(() => [ConductUserReport])
  reports!: ConductUserReport[];
  @Field(() => Int) total!: number;
}

const ref = (eventId?: string | null, slug?: string | null) => {
  if ((eventId ? 1 : 0) + (slug ? 1 : 0) !== 1) throw badInput('Give exactly one of eventId and slug', { eventId: 'or slug is required' });
  return eventId ? { id: eventId } : { slug: slug! };
};

const REPORT_TYPES = ['submitted', 'assigned', 'all'];

@Resolver()
export class ConductEventsResolver {
  @Allow(access.public)
  @ListSize({ max: events.PUBLIC_EVENTS_MAX })
  @Query(() => [ConductEvent], {
    description: "The public event list by name: every active event while showPublicEventList is on; a signed-in viewer's own events always; nothing else",
  })
  conductEvents(@Ctx() ctx: AppContext): Promise<ConductEvent[]> {
    return events.publicEvents(ctx);
  }

  @Allow(access.public)
  @Query(() => ConductEvent, { description: 'An event by slug (public) or by eventId (its Admins and the SuperAdmin)' })
  conductEvent(
    @Ctx() ctx: AppContext,
    @Arg('eventId', () => ID, { nullable: true }) eventId?: string | null,
    @Arg('slug', () => String, { nullable: true }) slug?: string | null,
  ): Promise<ConductEvent> {
    return events.eventByRef(ctx, ref(eventId, slug));
  }

  @Allow(conductMember)
  @Mutation(() => ConductEvent, { description: 'Admins: changes an event (name, slug, description, dates, website, contact, code of conduct)' })
  updateConductEvent(
    @Ctx() ctx: AppContext,
    @Arg('slug', () => String) slug: string,
    @Arg('input', () => UpdateConductEventInput) input: UpdateConductEventInput,
  ): Promise<ConductEvent> {
    // absent fields stay undefined (keep), explicit nulls clear
    const given = Object.fromEntries(Object.entries(input).filter(([, v]) => v !== undefined)) as events.UpdateEventInput;
    return events.updateEvent(ctx, slug, given);
  }

  @Allow(conductMember)
  @Query(() => ConductMyEventRoles, { description: "The viewer's roles in an event (none: an empty list)" })
  conductMyEventRoles(@Ctx() ctx: AppContext, @Arg('slug', () => String) slug: string): Promise<ConductMyEventRoles> {
    return events.myEventRoles(ctx, slug);
  }

  @Allow(conductMember)
  @Mutation(() => ConductEvent, { description: 'Admins: the event logo (PNG or JPEG by content, at most 5 MB) replaces the old one' })
  async uploadConductEventLogo(
    @Ctx() ctx: AppContext,
    @Arg('file', () => GraphQLUpload, { nullable: true, description: 'required (nullable so that 404 and 403 come before the 400 of a missing file)' })
    file: Promise<FileUpload> | null,
    @Arg('eventId', () => ID, { nullable: true }) eventId?: string | null,
    @Arg('slug', () => String, { nullable: true }) slug?: string | null,
  ): Promise<ConductEvent> {
    const r = ref(eventId, slug);
    // 404 and 403 before the bytes are looked at
    await eventWithRole(ctx, r, 'Admin');
    const bytes = await readUploadField(file, events.EVENT_LOGO_POLICY, 'logo');
    return events.setEventLogo(ctx, r, bytes);
  }

  @Allow(access.public)
  @Query(() => StoredFileRef, { nullable: true, description: "An event's logo (public; null: none)" })
  conductEventLogo(
    @Ctx() ctx: AppContext,
    @Arg('eventId', () => ID, { nullable: true }) eventId?: string | null,
    @Arg('slug', () => String, { nullable: true }) slug?: string | null,
  ): Promise<StoredFileRef | null> {
    return events.eventLogo(ctx, ref(eventId, slug));
  }

  @Allow(conductMember)
  @ListSize({ max: events.MEMBER_PAGE_MAX, slicingArguments: ['limit'], sizedFields: ['activities'] })
  @Query(() => ConductUserActivityPage, { description: "Responders+: a user's activity in the event (reports submitted, audit entries), newest first" })
  conductEventUserActivity(
    @Ctx() ctx: AppContext,
    @Arg('slug', () => String) slug: string,
    @Arg('userId', () => ID) userId: string,
    @Arg('page', () => Int, { nullable: true }) page?: number | null,
    @Arg('limit', () => Int, { nullable: true, description: `at most ${events.MEMBER_PAGE_MAX}; default 20` }) limit?: number | null,
  ): Promise<ConductUserActivityPage> {
    return events.userActivity(ctx, slug, userId, { page, limit });
  }

  @Allow(conductMember)
  @ListSize({ max: events.MEMBER_PAGE_MAX, slicingArguments: ['limit'], sizedFields: ['reports'] })
  @Query(() => ConductUserReportPage, { description: "Responders+: a user's reports in the event (submitted, assigned or all), newest first" })
  async conductEventUserReports(
    @Ctx() ctx: AppContext,
    @Arg('slug', () => String) slug: string,
    @Arg('userId', () => ID) userId: string,
    @Arg('type', () => String, { nullable: true, description: 'submitted, assigned or all (default)' }) type?: string | null,
    @Arg('page', () => Int, { nullable: true }) page?: number | null,
    @Arg('limit', () => Int, { nullable: true, description: `at most ${events.MEMBER_PAGE_MAX}; default 20` }) limit?: number | null,
  ): Promise<ConductUserReportPage> {
    if (type && !REPORT_TYPES.includes(type)) throw badInput('type must be submitted, assigned or all', { type: 'must be submitted, assigned or all' });
    const page_ = await events.userReports(ctx, slug, userId, (type ?? 'all') as events.UserReportsType, { page, limit });
    return {
      total: page_.total,
      reports: page_.reports.map((report) => ({ report, reporter: report.reporter ?? null, assignedResponder: report.assignedResponder ?? null })),
    };
  }
}

@Resolver(() => ConductEvent)
export class ConductEventFieldsResolver {
  @FieldResolver(() => StoredFileRef, { nullable: true, description: "the event's stored logo (public; its id changes when it is replaced)" })
  logo(@Root() event: ConductEvent): StoredFileRef | null {
    return event.logoFileId ? { id: event.logoFileId } : null;
  }
}
