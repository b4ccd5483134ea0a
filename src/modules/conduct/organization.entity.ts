import { Entity, Enum, ManyToOne, OptionalProps, PrimaryKey, Property, Unique } from '@mikro-orm/core';
import { Field, ID, ObjectType, registerEnumType } from 'type-graphql';
import { randomUUID } from 'node:crypto';
import { Timestamped } from '../../db/timestamped';
import { User } from '../identity/user.entity';

/** A role within one conduct organization (conduct-core.md: `org_admin` includes the viewer's rights). */
export enum ConductOrgRole {
  ORG_ADMIN = 'org_admin',
  ORG_VIEWER = 'org_viewer',
}
registerEnumType(ConductOrgRole, { name: 'ConductOrgRole', description: 'A role within one conduct organization; ORG_ADMIN includes ORG_VIEWER' });

/**
 * A conduct organization: owns events (ConductEvent.organization), members and invite links. Deleting one
 * takes its data with it (conduct-core.md "DELETE /:organizationId"): memberships, invites and events
 * (and through the events their roles, invites and reports) cascade in the database. Its logo is a stored
 * file (`logoFileId`), removed by the service that deletes or replaces it.
 */
@ObjectType({ description: 'A conduct organization: a group of events with its own members' })
@Entity({ tableName: 'conduct_organizations' })
export class ConductOrganization extends Timestamped {
  [OptionalProps]?: 'description' | 'website' | 'logoFileId' | 'createdAt' | 'updatedAt';

  @Field(() => ID)
  @PrimaryKey({ type: 'uuid' })
  id: string = randomUUID();

  @Field(() => String)
  @Property({ type: 'string', length: 200 })
  name!: string;

  /** `[a-z0-9-]` only (conduct-core.md); unique */
  @Field(() => String)
  @Property({ type: 'string', length: 100, unique: 'conduct_organizations_slug_unique' })
  slug!: string;

  @Field(() => String, { nullable: true })
  @Property({ type: 'text', nullable: true })
  description?: string | null;

  @Field(() => String, { nullable: true })
  @Property({ type: 'string', length: 500, nullable: true })
  website?: string | null;

  @Property({ type: 'uuid', nullable: true })
  logoFileId?: string | null;
}

/** A user's role in an organization; one per organization and user. */
@ObjectType({ description: "A user's role in a conduct organization" })
@Entity({ tableName: 'conduct_org_memberships' })
@Unique({ name: 'conduct_org_memberships_org_user_unique', properties: ['organization', 'user'] })
export class ConductOrgMembership {
  [OptionalProps]?: 'createdAt';

  @Field(() => ID)
  @PrimaryKey({ type: 'uuid' })
  id: string = randomUUID();

  @ManyToOne(() => ConductOrganization, { deleteRule: 'cascade' })
  organization!: ConductOrganization;

  @ManyToOne(() => User, { deleteRule: 'cascade', index: true })
  user!: User;

  @Field(() => ConductOrgRole)
  @Enum({ items: () => ConductOrgRole })
  role!: ConductOrgRole;

  @Field(() => Date)
  @Property({ type: 'datetime', defaultRaw: 'now()' })
  createdAt: Date = new Date();
}
