/**
 * Using an invite link (conduct-core.md "Invites", "Invite links", "register/invite"): the one place a
 * code grants its role, shared by registration with an invite (`register(input: {conductInvite: {code}},
 * application: CONDUCT)`), redeeming an event invite and using an organization invite. In the caller's
 * unit of work: the invite row is locked, checked (unknown or disabled, expired, used up: 400), the role
 * granted (already in the event or organization: 409), the use counted and audited.
 */
import { Field, InputType } from 'type-graphql';
import { LockMode } from '@mikro-orm/core';
import type { AppContext } from '../../context/context';
import { badInput, conflict } from '../../errors/domain-error';
import { extendUserInputs } from '../identity/user-extensions';
import { ConductInvite } from './invite.entity';
import { ConductEvent } from './event.entity';
import { ConductEventRole, ConductEventRoleName } from './event-role.entity';
import { ConductOrganization, ConductOrgMembership, ConductOrgRole } from './organization.entity';
import { audit, forgetEventRoles, forgetOrgRoles } from './conduct-access';
import { parseEventRole, parseOrgRole } from './conduct-rules';

export const INVITE_MESSAGES = {
  invalid: 'Invalid or disabled invite link.',
  expired: 'Invite link has expired.',
  usedUp: 'Invite link has reached its maximum uses.',
  alreadyEventMember: 'You are already a member of this event.',
  alreadyOrgMember: 'You are already a member of this organization.',
} as const;

/** Why an invite cannot be used now (null: it can), as the 400 message. */
export function inviteProblem(invite: Pick<ConductInvite, 'disabled' | 'expiresAt' | 'maxUses' | 'useCount'>, now = new Date()): string | null {
  if (invite.disabled) return INVITE_MESSAGES.invalid;
  if (invite.expiresAt && invite.expiresAt.getTime() <= now.getTime()) return INVITE_MESSAGES.expired;
  if (invite.maxUses !== null && invite.maxUses !== undefined && invite.useCount >= invite.maxUses) return INVITE_MESSAGES.usedUp;
  return null;
}

export type ClaimedInvite =
  | { invite: ConductInvite; scope: 'event'; event: ConductEvent; role: ConductEventRoleName }
  | { invite: ConductInvite; scope: 'organization'; organization: ConductOrganization; role: ConductOrgRole };

/**
 * Uses the invite `code` for `userId` in the unit of work `tx`: grants its role, counts the use and
 * writes the audit entry (`use_invite`, target the invite). `scope` restricts which invites the caller
 * takes (the others read as unknown).
 */
export async function claimInvite(tx: AppContext, code: string, userId: string, scope?: 'event' | 'organization'): Promise<ClaimedInvite> {
  const { em } = tx;
  const invite =
    typeof code === 'string' && code !== '' && code.length <= 64
      ? await em.findOne(ConductInvite, { code }, { lockMode: LockMode.PESSIMISTIC_WRITE, populate: ['event', 'organization'] })
      : null;
  const kind = invite?.event ? 'event' : invite?.organization ? 'organization' : null;
  if (!invite || !kind || (scope && scope !== kind)) throw badInput(INVITE_MESSAGES.invalid, { code: 'is unknown or disabled' });
  const problem = inviteProblem(invite);
  if (problem) throw badInput(problem, { code: problem });
  let claimed: ClaimedInvite;
  if (kind === 'event') {
    const event = invite.event!;
    const role = parseEventRole(invite.role);
    if (!role) throw badInput(INVITE_MESSAGES.invalid, { code: 'grants no known role' });
    if ((await em.count(ConductEventRole, { event: event.id, user: userId })) > 0) throw conflict(INVITE_MESSAGES.alreadyEventMember);
    await em.execute('insert into conduct_event_roles (id, event_id, user_id, role) values (gen_random_uuid(), ?, ?, ?)', [event.id, userId, role]);
    forgetEventRoles(tx, userId);
    claimed = { invite, scope: 'event', event, role };
  } else {
    const organization = invite.organization!;
    const role = parseOrgRole(invite.role);
    if (!role) throw badInput(INVITE_MESSAGES.invalid, { code: 'grants no known role' });
    if ((await em.count(ConductOrgMembership, { organization: organization.id, user: userId })) > 0) throw conflict(INVITE_MESSAGES.alreadyOrgMember);
    await em.execute('insert into conduct_org_memberships (id, organization_id, user_id, role) values (gen_random_uuid(), ?, ?, ?)', [organization.id, userId, role]);
    forgetOrgRoles(tx, userId);
    claimed = { invite, scope: 'organization', organization, role };
  }
  invite.useCount += 1;
  await em.flush();
  await audit(tx, {
    action: 'use_invite',
    targetType: 'Invite',
    targetId: invite.id,
    eventId: invite.event?.id ?? null,
    organizationId: invite.organization?.id ?? null,
    actorId: userId,
    details: { role: invite.role },
  });
  return claimed;
}

@InputType({ description: "An invite link's code used at sign-up: the new account gets its role (conduct)" })
export class ConductInviteInput {
  @Field(() => String) code!: string;
}

/**
 * `register(input: {…, conductInvite: {code}}, application: CONDUCT)`: the account is created with the
 * invite's role in one transaction; a bad code refuses the registration (400) and nothing is created.
 */
extendUserInputs<ConductInviteInput>({
  field: 'conductInvite',
  on: ['register'],
  type: () => ConductInviteInput,
  description: "conduct: an invite link's code; the new account gets its role (event or organization) in the same transaction",
  write: async (tx, user, value) => {
    if (value) await claimInvite(tx, value.code, user.id);
  },
});
