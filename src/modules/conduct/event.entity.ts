import { Entity, Index, ManyToOne, OptionalProps, PrimaryKey, Property } from '@mikro-orm/core';
import { Field, ID, ObjectType } from 'type-graphql';
import { randomUUID } from 'node:crypto';
import { Timestamped } from '../../db/timestamped';
import { ConductOrganization } from './organization.entity';

/**
 * A conduct event (conduct-core.md "Event object"). New events start inactive (`isActive: false`) and,
 * when a SuperAdmin creates them, with `setupRequired: true` until an event Admin completes them. An
 * event may belong to an organization (deleting the organization deletes it); events created by a
 * SuperAdmin belong to none. Its logo is a stored file (`logoFileId`).
 */
@ObjectType({ description: 'A conduct event (a conference, meetup…) with its code of conduct and its team' })
@Entity({ tableName: 'conduct_events' })
export class ConductEvent extends Timestamped {
  [OptionalProps]?:
    | 'description'
    | 'startDate'
    | 'endDate'
    | 'website'
    | 'contactEmail'
    | 'codeOfConduct'
    | 'isActive'
    | 'setupRequired'
    | 'organization'
    | 'logoFileId'
    | 'createdAt'
    | 'updatedAt';

  @Field(() => ID)
  @PrimaryKey({ type: 'uuid' })
  id: string = randomUUID();

  @Field(() => String)
  @Property({ type: 'string', length: 200 })
  name!: string;

  /** `[a-z0-9-]` only (conduct-core.md); unique */
  @Field(() => String)
  @Property({ type: 'string', length: 100, unique: 'conduct_events_slug_unique' })
  slug!: string;

  @Field(() => String, { nullable: true })
  @Property({ type: 'text', nullable: true })
  description?: string | null;

  @Field(() => Date, { nullable: true })
  @Property({ type: 'datetime', nullable: true })
  startDate?: Date | null;

  @Field(() => Date, { nullable: true })
  @Property({ type: 'datetime', nullable: true })
  endDate?: Date | null;

  @Field(() => String, { nullable: true })
  @Property({ type: 'string', length: 500, nullable: true })
  website?: string | null;

  @Field(() => String, { nullable: true })
  @Property({ type: 'string', length: 254, nullable: true })
  contactEmail?: string | null;

  @Field(() => String, { nullable: true, description: 'markdown' })
  @Property({ type: 'text', nullable: true })
  codeOfConduct?: string | null;

  @Field(() => Boolean)
  @Property({ type: 'boolean', default: false })
  isActive: boolean = false;

  @Field(() => Boolean, { description: 'true until an event Admin completes the setup of an event a SuperAdmin created' })
  @Property({ type: 'boolean', default: false })
  setupRequired: boolean = false;

  @Index({ name: 'conduct_events_organization_id_index' })
  @ManyToOne(() => ConductOrganization, { nullable: true, deleteRule: 'cascade' })
  organization?: ConductOrganization | null;

  @Property({ type: 'uuid', nullable: true })
  logoFileId?: string | null;
}
