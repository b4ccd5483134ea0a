import { Entity, Enum, Index, ManyToOne, OptionalProps, PrimaryKey, Property } from '@mikro-orm/core';
import { Field, ID, ObjectType, registerEnumType } from 'type-graphql';
import { randomUUID } from 'node:crypto';
import { Timestamped } from '../../db/timestamped';
import { User } from '../identity/user.entity';
import { ConductReport } from './report.entity';

/** conduct-reports.md "Comments": an internal comment never reaches a Reporter, by any path. */
export enum ConductCommentVisibility {
  PUBLIC = 'public',
  INTERNAL = 'internal',
}
registerEnumType(ConductCommentVisibility, { name: 'ConductCommentVisibility' });

/**
 * A comment on a report. The body is kept verbatim (`isMarkdown` only tells clients how to render it).
 * State-change notes are stored as internal comments by the actor. Deleting the report deletes its
 * comments; deleting the author keeps the comment with the author unset.
 */
@ObjectType({ description: 'A comment on a conduct report (public, or internal to the event staff)' })
@Entity({ tableName: 'conduct_comments' })
@Index({ name: 'conduct_comments_report_created_index', properties: ['report', 'createdAt'] })
export class ConductComment extends Timestamped {
  [OptionalProps]?: 'author' | 'visibility' | 'isMarkdown' | 'createdAt' | 'updatedAt';

  @Field(() => ID)
  @PrimaryKey({ type: 'uuid' })
  id: string = randomUUID();

  @ManyToOne(() => ConductReport, { deleteRule: 'cascade' })
  report!: ConductReport;

  @Index({ name: 'conduct_comments_author_id_index' })
  @ManyToOne(() => User, { nullable: true, deleteRule: 'set null' })
  author?: User | null;

  /** ≤ 5,000 characters (checked by the service) */
  @Field(() => String)
  @Property({ type: 'text' })
  body!: string;

  @Field(() => ConductCommentVisibility)
  @Enum({ items: () => ConductCommentVisibility, default: ConductCommentVisibility.PUBLIC })
  visibility: ConductCommentVisibility = ConductCommentVisibility.PUBLIC;

  @Field(() => Boolean)
  @Property({ type: 'boolean', default: false })
  isMarkdown: boolean = false;
}
