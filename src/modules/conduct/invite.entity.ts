import { Check, Entity, Index, ManyToOne, OptionalProps, PrimaryKey, Property } from '@mikro-orm/core';
import { Field, ID, Int, ObjectType } from 'type-graphql';
import { randomBytes, randomUUID } from 'node:crypto';
import { Timestamped } from '../../db/timestamped';
import { User } from '../identity/user.entity';
import { ConductEvent } from './event.entity';
import { ConductOrganization } from './organization.entity';

/** A random invite code: 128 bits, URL-safe (the links carry it). */
export function newInviteCode(): string {
  return randomBytes(16).toString('hex');
}

/**
 * An invite link (conduct-core.md "Invites", "Invite links"): its scope is an event (exactly one of
 * `event` and `organization` is set: a check constraint) and its `role` is then an event role
 * name (`Reporter`, `Responder`, `Admin`: ConductEventRoleName's values), or an organization and an org
 * role (`org_admin`, `org_viewer`: ConductOrgRole's values). A use grants the role and counts one use;
 * a disabled, expired (`expiresAt` passed) or used-up (`useCount >= maxUses`) link grants nothing.
 * Deleting its event or organization deletes it; deleting its creator keeps it.
 */
@ObjectType({ description: 'An invite link to a conduct event or organization' })
@Entity({ tableName: 'conduct_invites' })
@Check({ name: 'conduct_invites_one_scope', expression: '(event_id is null) <> (organization_id is null)' })
export class ConductInvite extends Timestamped {
  [OptionalProps]?: 'code' | 'event' | 'organization' | 'maxUses' | 'useCount' | 'expiresAt' | 'disabled' | 'note' | 'createdBy' | 'createdAt' | 'updatedAt';

  @Field(() => ID)
  @PrimaryKey({ type: 'uuid' })
  id: string = randomUUID();

  @Field(() => String)
  @Property({ type: 'string', length: 64, unique: 'conduct_invites_code_unique' })
  code: string = newInviteCode();

  @Index({ name: 'conduct_invites_event_id_index' })
  @ManyToOne(() => ConductEvent, { nullable: true, deleteRule: 'cascade' })
  event?: ConductEvent | null;

  @Index({ name: 'conduct_invites_organization_id_index' })
  @ManyToOne(() => ConductOrganization, { nullable: true, deleteRule: 'cascade' })
  organization?: ConductOrganization | null;

  /** an event role name (event scope) or an org role (organization scope) */
  @Field(() => String, { description: 'the role a use grants: Reporter, Responder or Admin (event invites); org_admin or org_viewer (organization invites)' })
  @Property({ type: 'string', length: 20 })
  role!: string;

  @Field(() => Int, { nullable: true, description: 'null: unlimited' })
  @Property({ type: 'integer', nullable: true })
  maxUses?: number | null;

  @Field(() => Int)
  @Property({ type: 'integer', default: 0 })
  useCount: number = 0;

  @Field(() => Date, { nullable: true, description: 'null: never expires' })
  @Property({ type: 'datetime', nullable: true })
  expiresAt?: Date | null;

  @Field(() => Boolean)
  @Property({ type: 'boolean', default: false })
  disabled: boolean = false;

  @Field(() => String, { nullable: true })
  @Property({ type: 'text', nullable: true })
  note?: string | null;

  @ManyToOne(() => User, { nullable: true, deleteRule: 'set null' })
  createdBy?: User | null;
}
