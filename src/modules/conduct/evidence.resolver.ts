/** conduct's evidence operations (conduct-reports.md "Evidence"): upload, list, one file (downloads), delete (`ConductReport.evidenceFiles` is reports.resolver.ts's). */
import { Arg, Ctx, FieldResolver, ID, Mutation, Query, Resolver, Root } from 'type-graphql';
import { GraphQLUpload } from 'graphql-upload-minimal';
import type { FileUpload } from 'graphql-upload-minimal';
import { wrap } from '@mikro-orm/core';
import type { AppContext } from '../../context/context';
import { Allow } from '../../auth/access';
import { ListSize } from '../../server/cost';
import { badInput } from '../../errors/domain-error';
import { StoredFileRef } from '../../storage/stored-file.types';
import { User } from '../identity/user.entity';
import { ConductEvidence } from './evidence.entity';
import { conductMember, ConductRef } from './conduct-access';
import * as evidence from './evidence.service';
import { reportPerson } from './report-lists.service';

/** The event an operation names, if any: at most one of eventId and slug. */
export function optionalEventRef(eventId?: string | null, slug?: string | null): ConductRef | null {
  if (eventId && slug) throw badInput('Give at most one of eventId and slug', { eventId: 'or slug, not both' });
  return eventId ? { id: eventId } : slug ? { slug } : null;
}

const idOf = (ref: { id: string } | string | null | undefined): string | null => (ref ? (typeof ref === 'string' ? ref : ref.id) : null);

@Resolver()
export class ConductEvidenceResolver {
  @Allow(conductMember)
  @ListSize({ max: evidence.EVIDENCE_PER_REPORT_MAX })
  @Mutation(() => [ConductEvidence], {
    description: "Adds evidence files to a report (its reporter or the event's staff): PNG, JPEG, PDF or plain text by content, at most 10 MB each; one bad file stores none",
  })
  uploadConductEvidence(
    @Ctx() ctx: AppContext,
    @Arg('reportId', () => ID) reportId: string,
    @Arg('files', () => [GraphQLUpload], { nullable: true, description: 'required (nullable so that 404 and 403 come before the 400 of no file)' })
    files: Promise<FileUpload>[] | null,
    @Arg('eventId', () => ID, { nullable: true, description: 'the event the report must belong to (else 404)' }) eventId?: string | null,
    @Arg('slug', () => String, { nullable: true, description: 'the event by slug, instead of eventId' }) slug?: string | null,
    @Arg('requireStaff', () => Boolean, { defaultValue: false, description: "true: refused unless the viewer is the event's staff, even on their own report" })
    requireStaff?: boolean,
  ): Promise<ConductEvidence[]> {
    return evidence.uploadEvidence(ctx, { event: optionalEventRef(eventId, slug), reportId }, files, requireStaff === true);
  }

  @Allow(conductMember)
  @ListSize({ max: evidence.EVIDENCE_PER_REPORT_MAX })
  @Query(() => [ConductEvidence], { description: "A report's evidence files, oldest first (its reporter or the event's staff)" })
  conductEvidence(
    @Ctx() ctx: AppContext,
    @Arg('reportId', () => ID) reportId: string,
    @Arg('eventId', () => ID, { nullable: true }) eventId?: string | null,
    @Arg('slug', () => String, { nullable: true }) slug?: string | null,
  ): Promise<ConductEvidence[]> {
    return evidence.listEvidence(ctx, { event: optionalEventRef(eventId, slug), reportId });
  }

  @Allow(conductMember)
  @Query(() => ConductEvidence, { description: "One evidence file (its `file` is what downloads stream): the report's reporter or the event's staff" })
  conductEvidenceFile(
    @Ctx() ctx: AppContext,
    @Arg('id', () => ID) id: string,
    @Arg('reportId', () => ID, { nullable: true, description: 'the report it must belong to (else 404)' }) reportId?: string | null,
    @Arg('eventId', () => ID, { nullable: true }) eventId?: string | null,
    @Arg('slug', () => String, { nullable: true }) slug?: string | null,
  ): Promise<ConductEvidence> {
    return evidence.evidenceFile(ctx, id, { event: optionalEventRef(eventId, slug), reportId: reportId ?? undefined });
  }

  @Allow(conductMember)
  @Mutation(() => Boolean, { description: "Deletes an evidence file and its bytes: the event's staff only" })
  async deleteConductEvidence(
    @Ctx() ctx: AppContext,
    @Arg('id', () => ID) id: string,
    @Arg('reportId', () => ID, { nullable: true, description: 'the report it must belong to (else 404)' }) reportId?: string | null,
    @Arg('eventId', () => ID, { nullable: true }) eventId?: string | null,
    @Arg('slug', () => String, { nullable: true }) slug?: string | null,
  ): Promise<boolean> {
    await evidence.deleteEvidence(ctx, id, { event: optionalEventRef(eventId, slug), reportId: reportId ?? undefined });
    return true;
  }
}

@Resolver(() => ConductEvidence)
export class ConductEvidenceFieldsResolver {
  @FieldResolver(() => ID)
  reportId(@Root() e: ConductEvidence): string {
    return idOf(e.report)!;
  }

  @FieldResolver(() => User, { nullable: true, description: 'who uploaded it (null once their account is gone)' })
  uploader(@Root() e: ConductEvidence, @Ctx() ctx: AppContext): User | null | Promise<User | null> {
    if (!e.uploader) return null;
    if (wrap(e.uploader).isInitialized()) return e.uploader;
    return reportPerson(ctx, e.uploader.id);
  }

  @FieldResolver(() => StoredFileRef, { description: 'the stored bytes (download routes stream them)' })
  file(@Root() e: ConductEvidence): StoredFileRef {
    return { id: idOf(e.file)! };
  }
}
