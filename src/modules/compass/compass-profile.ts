/**
 * Compass's attributes of the shared user (compass.md "patient_number is compass-only", kept in
 * `compass_profiles`): read as `User.patientNumber` (compass.resolver's field resolver) and written with
 * the account through identity's `createUser`/`updateUser` as `input.compassProfile` — one unit of work,
 * so a user is never created without the patient number it was created with (user-extensions.ts).
 */
import { Field, InputType, Int } from 'type-graphql';
import type { AppContext } from '../../context/context';
import { DomainError } from '../../errors/domain-error';
import { extendUserInputs } from '../identity/user-extensions';
import { pgUuidArray } from './compass-common';

@InputType({ description: "Compass's attributes of a user; null clears" })
export class CompassProfileInput {
  @Field(() => Int, { nullable: true, description: 'a whole number of 0 or more' }) patientNumber?: number | null;
}

async function writeProfile(tx: AppContext, userId: string, profile: CompassProfileInput | null): Promise<void> {
  const patientNumber = profile === null ? null : profile.patientNumber;
  if (patientNumber === undefined) return;
  if (patientNumber !== null && !(Number.isInteger(patientNumber) && patientNumber >= 0)) {
    throw new DomainError('BAD_USER_INPUT', 'Validation failed', { fields: { 'compassProfile.patientNumber': 'must be a whole number of 0 or more' } });
  }
  await tx.em.execute('insert into compass_profiles (user_id, patient_number) values (?, ?) on conflict (user_id) do update set patient_number = excluded.patient_number', [
    userId,
    patientNumber,
  ]);
}

extendUserInputs<CompassProfileInput>({
  field: 'compassProfile',
  type: () => CompassProfileInput,
  description: "compass's attributes (patient number), written in the same transaction as the account",
  write: (tx, user, value) => writeProfile(tx, user.id, value),
});

/** Loader batch: patient numbers of users by uuid. */
export async function patientNumbers(ctx: AppContext, userIds: readonly string[]): Promise<(number | null)[]> {
  const rows = await ctx.em.execute<{ user_id: string; patient_number: number | null }[]>(
    'select user_id, patient_number from compass_profiles where user_id in (select unnest(?::uuid[]))',
    [pgUuidArray(userIds)],
  );
  const map = new Map(rows.map((r) => [r.user_id, r.patient_number]));
  return userIds.map((id) => map.get(id) ?? null);
}
