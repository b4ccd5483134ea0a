/**
 * Parties (compass.md "Parties"): public reads; creation by super admins with a unique code, an empty
 * answer for every question and a party-admin account, all in one unit of work; changes by a super admin
 * or that party's admin; logos kept in file storage (the surface builds their URLs from the file id).
 */
import { randomInt } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import { UniqueConstraintViolationException } from '@mikro-orm/core';
import type { FileUpload } from 'graphql-upload-minimal';
import type { AppContext } from '../../context/context';
import { conflict } from '../../errors/domain-error';
import { requireAdmin } from '../../auth/guards';
import { unitOfWork } from '../../db/unit-of-work';
import { Role, User } from '../identity/user.entity';
import * as userAdmin from '../identity/user-admin.service';
import { CompassParty } from './party.entity';
import { CompassPartyAdmin } from './party-admin.entity';
import { readUploadField, storageField } from '../../storage/storage';
import { analyticsChanged, canManageParty, LIMITS, LOGO_POLICY, partyById, Problems, requirePartyManager, trimmed } from './compass-common';
import type { CompassPartyCreated, CreatePartyInput, UpdatePartyInput } from './compass.inputs';
import { PARTIES_MAX } from './list-sizes';

const CODE_ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789';
const PASSWORD_ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnpqrstuvwxyz23456789';

function randomString(alphabet: string, length: number): string {
  let out = '';
  for (let i = 0; i < length; i++) out += alphabet[randomInt(alphabet.length)];
  return out;
}

export function listParties(ctx: AppContext): Promise<CompassParty[]> {
  return ctx.em.find(CompassParty, {}, { orderBy: { id: 'asc' }, limit: PARTIES_MAX });
}

export function getParty(ctx: AppContext, partyId: number): Promise<CompassParty> {
  return partyById(ctx.em, partyId);
}

/** Domain checks of the fields given (`required`: name and abbreviation must be there). */
function checkPartyFields(input: UpdatePartyInput, required: boolean): void {
  const p = new Problems();
  for (const [field, max] of [
    ['name', LIMITS.partyName],
    ['abbreviation', LIMITS.abbreviation],
  ] as const) {
    if (input[field] === undefined && !required) continue;
    const v = trimmed(input[field]);
    if (v === null) p.add(field, 'is required');
    else if (v.length > max) p.add(field, `must be at most ${max} characters`);
  }
  if (typeof input.description === 'string' && input.description.length > LIMITS.description) {
    p.add('description', `must be at most ${LIMITS.description} characters`);
  }
  p.throwIfAny();
}

const nameTaken = () => conflict('Party name already exists', { name: 'Party name already exists' });

function partyConflict(err: unknown): never {
  if (err instanceof UniqueConstraintViolationException) throw nameTaken();
  throw err;
}

async function assertPartyNameFree(em: EntityManager, name: string, exceptId?: number): Promise<void> {
  const rows = await em.execute<{ id: number }[]>('select id from compass_parties where lower(name) = lower(?) limit 1', [name]);
  if (rows.length && rows[0].id !== exceptId) throw nameTaken();
}

/**
 * Super admin. Creates the party, its unique code, an empty answer for every question and a party-admin
 * account (username `party_<code>`) whose generated password is returned only here — one unit of work.
 */
export async function createParty(ctx: AppContext, input: CreatePartyInput): Promise<CompassPartyCreated> {
  requireAdmin(ctx);
  checkPartyFields(input, true);
  const name = trimmed(input.name)!;
  const password = randomString(PASSWORD_ALPHABET, 16);
  try {
    return await unitOfWork(ctx, async (tx) => {
      const em = tx.em;
      // list-sizes.ts: the parties list (and every list of parties) holds at most PARTIES_MAX
      if ((await em.count(CompassParty, {})) >= PARTIES_MAX) throw conflict(`The compass holds at most ${PARTIES_MAX} parties`);
      await assertPartyNameFree(em, name);
      let code = randomString(CODE_ALPHABET, 8);
      while ((await em.count(CompassParty, { code })) > 0) code = randomString(CODE_ALPHABET, 8);
      const party = em.create(CompassParty, { name, abbreviation: trimmed(input.abbreviation)!, description: trimmed(input.description), code });
      em.persist(party);
      await em.flush();
      const username = `party_${code.toLowerCase()}`;
      const admin = await userAdmin.createUser(tx, { username, name: `${name} admin`.slice(0, 200), password, role: Role.USER });
      em.persist(em.create(CompassPartyAdmin, { party, user: em.getReference(User, admin.id) }));
      await em.flush();
      await em.execute('insert into compass_party_answers (party_id, question_id, score) select ?, id, null from compass_questions', [party.id]);
      analyticsChanged(tx, 'PARTIES');
      tx.publish('compass.partyChanged', { kind: 'CREATED', partyId: party.id });
      tx.publish('compass.partyAnswerChanged', { kind: 'CREATED', partyId: party.id });
      return { party, code, admin: { username, password } };
    });
  } catch (err) {
    return partyConflict(err);
  }
}

/** Super admin or the party's admin: the fields given change (a null description clears it). */
export async function updateParty(ctx: AppContext, partyId: number, input: UpdatePartyInput): Promise<CompassParty> {
  const party = await requirePartyManager(ctx, partyId);
  checkPartyFields(input, false);
  try {
    return await unitOfWork(ctx, async (tx) => {
      const name = input.name === undefined ? null : trimmed(input.name);
      if (name !== null) await assertPartyNameFree(tx.em, name, party.id);
      const row = await tx.em.findOneOrFail(CompassParty, { id: party.id });
      if (name !== null) row.name = name;
      if (input.abbreviation !== undefined) row.abbreviation = trimmed(input.abbreviation)!;
      if (input.description !== undefined) row.description = trimmed(input.description);
      await tx.em.flush();
      analyticsChanged(tx, 'PARTIES');
      tx.publish('compass.partyChanged', { kind: 'UPDATED', partyId: party.id });
      return row;
    });
  } catch (err) {
    return partyConflict(err);
  }
}

/**
 * Super admin. Answers and memberships cascade; the logo's bytes are removed, and so are the party-admin
 * accounts that administer no other party (they exist only for it; a global admin is never removed).
 */
export async function deleteParty(ctx: AppContext, partyId: number): Promise<boolean> {
  requireAdmin(ctx);
  const party = await partyById(ctx.em, partyId);
  await unitOfWork(ctx, async (tx) => {
    const admins = await tx.em.execute<{ user_id: string }[]>(
      `select pa.user_id from compass_party_admins pa join users u on u.id = pa.user_id
        where pa.party_id = ? and u.role = 'USER'
          and not exists (select 1 from compass_party_admins o where o.user_id = pa.user_id and o.party_id <> pa.party_id)`,
      [party.id],
    );
    await tx.em.nativeDelete(CompassParty, { id: party.id });
    if (party.logoFileId) await ctx.app.storage.remove(tx.em, party.logoFileId);
    for (const a of admins) await userAdmin.deleteUser(tx, { id: a.user_id });
    analyticsChanged(tx, 'PARTIES');
    tx.publish('compass.partyChanged', { kind: 'DELETED', partyId: party.id });
    tx.publish('compass.partyAnswerChanged', { kind: 'DELETED', partyId: party.id });
  });
  return true;
}

/** Replaces the party's logo (or removes it with `bytes` null); the old bytes go in the same unit of work. */
async function replaceLogo(ctx: AppContext, partyId: number, bytes: Buffer | null): Promise<CompassParty> {
  return unitOfWork(ctx, async (tx) => {
    const row = await tx.em.findOneOrFail(CompassParty, { id: partyId });
    const old = row.logoFileId;
    row.logoFileId = bytes ? (await ctx.app.storage.put(tx.em, bytes, LOGO_POLICY)).id : null;
    await tx.em.flush();
    if (old) await ctx.app.storage.remove(tx.em, old);
    tx.publish('compass.partyChanged', { kind: 'UPDATED', partyId });
    return row;
  });
}

/** Super admin or the party's admin; PNG, JPEG or WebP by content, at most 2 MB. */
export async function setPartyLogo(ctx: AppContext, partyId: number, upload: Promise<FileUpload> | null | undefined): Promise<CompassParty> {
  const party = await requirePartyManager(ctx, partyId);
  const bytes = await readUploadField(upload, LOGO_POLICY, 'logo');
  return storageField('logo', () => replaceLogo(ctx, party.id, bytes));
}

export async function removePartyLogo(ctx: AppContext, partyId: number): Promise<CompassParty> {
  const party = await requirePartyManager(ctx, partyId);
  return replaceLogo(ctx, party.id, null);
}

/** Field `logo`: the stored logo (public, like parties), or null. */
export function partyLogo(party: Pick<CompassParty, 'logoFileId'>): { id: string } | null {
  return party.logoFileId ? { id: party.logoFileId } : null;
}

/** Field `code`: only a super admin or the party's admin sees it. */
export async function partyCode(ctx: AppContext, party: Pick<CompassParty, 'id' | 'code'>): Promise<string | null> {
  return (await canManageParty(ctx, party.id)) ? party.code : null;
}

/** Loader batch: the party each user administers (if any), by uuid. */
export async function partiesAdministered(ctx: AppContext, userIds: readonly string[]): Promise<(CompassParty | null)[]> {
  const links = await ctx.em.find(CompassPartyAdmin, { user: { $in: [...userIds] } }, { populate: ['party'] });
  const map = new Map(links.map((l) => [l.user.id, l.party]));
  return userIds.map((id) => map.get(id) ?? null);
}
