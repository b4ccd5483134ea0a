/** conduct's comment operations (conduct-reports.md "Comments"): add, list, edit, delete, and the live `conductCommentAdded`. */
import { Arg, Ctx, Field, FieldResolver, ID, InputType, Int, Mutation, ObjectType, Query, Resolver, Root, Subscription } from 'type-graphql';
import { wrap } from '@mikro-orm/core';
import type { AppContext } from '../../context/context';
import { Allow } from '../../auth/access';
import { ListSize } from '../../server/cost';
import { LiveShared } from '../../server/fanout';
import { badInput } from '../../errors/domain-error';
import { filterAsync } from '../../pubsub/filter';
import type { Topics } from '../../pubsub/topics';
import { User } from '../identity/user.entity';
import { ConductComment, ConductCommentVisibility } from './comment.entity';
import { conductMember, ConductRef } from './conduct-access';
import { reportById } from './report-access';
import { reportPerson } from './report-lists.service';
import * as comments from './comments.service';

@InputType({ description: 'A new comment on a report' })
export class CreateConductCommentInput {
  @Field(() => String, { description: `required, not blank, at most ${comments.COMMENT_BODY_MAX} characters; kept verbatim` }) body!: string;
  @Field(() => ConductCommentVisibility, { nullable: true, description: 'PUBLIC (default) or INTERNAL (staff only)' }) visibility?: ConductCommentVisibility | null;
  @Field(() => Boolean, { nullable: true, description: 'render as markdown (default false)' }) isMarkdown?: boolean | null;
}

@InputType({ description: 'A change of a comment by its author: absent fields keep their value (at least one)' })
export class UpdateConductCommentInput {
  @Field(() => String, { nullable: true }) body?: string | null;
  @Field(() => ConductCommentVisibility, { nullable: true, description: 'INTERNAL: staff only' }) visibility?: ConductCommentVisibility | null;
  @Field(() => Boolean, { nullable: true }) isMarkdown?: boolean | null;
}

@ObjectType({ description: "A page of a report's comments and how many match" })
export class ConductCommentPage {
  @ListSize({ max: comments.COMMENTS_PAGE_MAX })
  @Field(() => [ConductComment])
  comments!: ConductComment[];
  @Field(() => Int, { description: 'the comments matching the filter that the viewer may see' }) total!: number;
  @Field(() => Int) page!: number;
  @Field(() => Int) limit!: number;
  @Field(() => Int) totalPages!: number;
}

/** The event an operation names: exactly one of eventId and slug. */
function eventRef(eventId?: string | null, slug?: string | null): ConductRef {
  if ((eventId ? 1 : 0) + (slug ? 1 : 0) !== 1) throw badInput('Give exactly one of eventId and slug', { eventId: 'or slug is required' });
  return eventId ? { id: eventId } : { slug: slug! };
}

const idOf = (ref: { id: string } | string | null | undefined): string | null => (ref ? (typeof ref === 'string' ? ref : ref.id) : null);

@Resolver()
export class ConductCommentsResolver {
  @Allow(conductMember)
  @Mutation(() => ConductComment, { description: "Comments on a report: its reporter (public only) or the event's staff (public or internal)" })
  createConductComment(
    @Ctx() ctx: AppContext,
    @Arg('reportId', () => ID) reportId: string,
    @Arg('input', () => CreateConductCommentInput) input: CreateConductCommentInput,
    @Arg('eventId', () => ID, { nullable: true }) eventId?: string | null,
    @Arg('slug', () => String, { nullable: true }) slug?: string | null,
  ): Promise<ConductComment> {
    return comments.addComment(ctx, { event: eventRef(eventId, slug), reportId }, input);
  }

  @Allow(conductMember)
  @ListSize({ max: comments.COMMENTS_PAGE_MAX, slicingArguments: ['limit'], sizedFields: ['comments'] })
  @Query(() => ConductCommentPage, {
    description: "A report's comments (its reporter: the public ones only; the event's staff: all), filtered, searched and sorted, a page at a time",
  })
  conductComments(
    @Ctx() ctx: AppContext,
    @Arg('reportId', () => ID) reportId: string,
    @Arg('eventId', () => ID, { nullable: true }) eventId?: string | null,
    @Arg('slug', () => String, { nullable: true }) slug?: string | null,
    @Arg('visibility', () => ConductCommentVisibility, { nullable: true, description: 'null: all the viewer may see; INTERNAL: staff only (403)' })
    visibility?: ConductCommentVisibility | null,
    @Arg('search', () => String, { nullable: true, description: 'in the body, any case' }) search?: string | null,
    @Arg('sortBy', () => String, { nullable: true, description: 'createdAt (default) or updatedAt' }) sortBy?: string | null,
    @Arg('sortOrder', () => String, { nullable: true, description: 'asc (default) or desc' }) sortOrder?: string | null,
    @Arg('page', () => Int, { nullable: true, description: 'from 1 (default)' }) page?: number | null,
    @Arg('limit', () => Int, { nullable: true, description: `at most ${comments.COMMENTS_PAGE_MAX}; default ${comments.COMMENTS_PAGE_DEFAULT}` }) limit?: number | null,
  ): Promise<comments.CommentPage> {
    return comments.listComments(ctx, { event: eventRef(eventId, slug), reportId }, { visibility, search, sortBy, sortOrder, page, limit });
  }

  @Allow(conductMember)
  @Mutation(() => ConductComment, { description: 'Edits a comment: its author only; only staff may make it internal' })
  updateConductComment(
    @Ctx() ctx: AppContext,
    @Arg('reportId', () => ID) reportId: string,
    @Arg('id', () => ID) id: string,
    @Arg('input', () => UpdateConductCommentInput) input: UpdateConductCommentInput,
    @Arg('eventId', () => ID, { nullable: true }) eventId?: string | null,
    @Arg('slug', () => String, { nullable: true }) slug?: string | null,
  ): Promise<ConductComment> {
    return comments.updateComment(ctx, { event: eventRef(eventId, slug), reportId }, id, input);
  }

  @Allow(conductMember)
  @Mutation(() => Boolean, { description: 'Deletes a comment: its author, or an Admin or the SuperAdmin of the event' })
  async deleteConductComment(
    @Ctx() ctx: AppContext,
    @Arg('reportId', () => ID) reportId: string,
    @Arg('id', () => ID) id: string,
    @Arg('eventId', () => ID, { nullable: true }) eventId?: string | null,
    @Arg('slug', () => String, { nullable: true }) slug?: string | null,
  ): Promise<boolean> {
    await comments.deleteComment(ctx, { event: eventRef(eventId, slug), reportId }, id);
    return true;
  }

  /**
   * New comments of a report, for whoever may read it: checked when subscribing (401, 404, 403) and again
   * for every event against the subscriber's current roles; an internal comment reaches the event's staff
   * only, never a Reporter. The comment is loaded once per event for every subscriber (`@LiveShared`).
   */
  @Allow(conductMember)
  @LiveShared()
  @Subscription(() => ConductComment, {
    nullable: true,
    description: "New comments on a report (its reporter: public ones; the event's staff: all); null when it was deleted before delivery",
    subscribe: async ({ args, context }) => {
      const ctx = context as AppContext;
      const reportId = args.reportId as string;
      await reportById(ctx, reportId, 'ownOrStaff');
      return filterAsync(ctx.app.pubsub.subscribe('conduct.commentAdded'), async (e) => {
        if (e.reportId !== reportId) return false;
        await ctx.refreshViewer();
        if (!ctx.viewer) return false;
        try {
          const { access } = await reportById(ctx, reportId, 'ownOrStaff');
          return e.visibility === ConductCommentVisibility.PUBLIC || access.staff;
        } catch {
          return false;
        }
      });
    },
  })
  conductCommentAdded(@Root() e: Topics['conduct.commentAdded'], @Ctx() ctx: AppContext, @Arg('reportId', () => ID) _reportId: string): Promise<ConductComment | null> {
    return comments.commentById(ctx, e.commentId);
  }
}

@Resolver(() => ConductComment)
export class ConductCommentFieldsResolver {
  @LiveShared()
  @FieldResolver(() => ID)
  reportId(@Root() c: ConductComment): string {
    return idOf(c.report)!;
  }

  @LiveShared()
  @FieldResolver(() => ID, { nullable: true, description: "null once the author's account is gone" })
  authorId(@Root() c: ConductComment): string | null {
    return idOf(c.author);
  }

  @LiveShared()
  @FieldResolver(() => User, { nullable: true, description: 'null once their account is gone' })
  author(@Root() c: ConductComment, @Ctx() ctx: AppContext): User | null | Promise<User | null> {
    if (!c.author) return null;
    if (wrap(c.author).isInitialized()) return c.author;
    return reportPerson(ctx, c.author.id);
  }
}
