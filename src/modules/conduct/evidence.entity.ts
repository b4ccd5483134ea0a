import { Entity, Index, ManyToOne, OptionalProps, PrimaryKey, Property } from '@mikro-orm/core';
import { Field, ID, Int, ObjectType } from 'type-graphql';
import { randomUUID } from 'node:crypto';
import { User } from '../identity/user.entity';
import { StoredFile } from '../../storage/stored-file.entity';
import { ConductReport } from './report.entity';

/**
 * An evidence file of a report: metadata here, bytes in the platform's storage (`stored_files`, one row
 * per file; the service removes it with the evidence). `mimetype` is the type sniffed from the bytes;
 * `filename` is the client's name with path parts stripped, kept for the download's Content-Disposition.
 */
@ObjectType({ description: 'An evidence file attached to a conduct report (metadata; bytes are downloaded over REST)' })
@Entity({ tableName: 'conduct_evidence' })
@Index({ name: 'conduct_evidence_report_created_index', properties: ['report', 'createdAt'] })
export class ConductEvidence {
  [OptionalProps]?: 'uploader' | 'createdAt';

  @Field(() => ID)
  @PrimaryKey({ type: 'uuid' })
  id: string = randomUUID();

  @ManyToOne(() => ConductReport, { deleteRule: 'cascade' })
  report!: ConductReport;

  @Index({ name: 'conduct_evidence_uploader_id_index' })
  @ManyToOne(() => User, { nullable: true, deleteRule: 'set null' })
  uploader?: User | null;

  @Field(() => String)
  @Property({ type: 'string', length: 255 })
  filename!: string;

  @Field(() => String)
  @Property({ type: 'string', length: 100 })
  mimetype!: string;

  @Field(() => Int)
  @Property({ type: 'integer' })
  size!: number;

  @ManyToOne(() => StoredFile, { deleteRule: 'cascade' })
  file!: StoredFile;

  @Field(() => Date)
  @Property({ type: 'datetime', defaultRaw: 'now()' })
  createdAt: Date = new Date();
}
