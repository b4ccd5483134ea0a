/**
 * conduct's system settings (conduct-core.md "System settings"): string values per key in
 * `conduct_settings` (upstream's SystemSetting), read publicly, changed by the SuperAdmin. Unset keys
 * have their default (CONDUCT_SETTINGS). The one setting the contract knows is `showPublicEventList`,
 * which decides what anonymous callers of the public event list see (events.service.ts).
 */
import type { AppContext } from '../../context/context';
import { badInput } from '../../errors/domain-error';
import { unitOfWork } from '../../db/unit-of-work';
import { CONDUCT_SETTINGS, ConductSetting, ConductSettingKey } from './setting.entity';
import { audit, requireSuperAdmin } from './conduct-access';

export interface ConductSystemSettingsView {
  showPublicEventList: boolean;
}

/** Every known setting's stored value (or its default), as strings. */
async function rawSettings(ctx: AppContext): Promise<Record<ConductSettingKey, string>> {
  // a plain read: a change earlier in the same request (an upsert below) is seen, not an identity-map copy
  const rows = await ctx.em.execute<Pick<ConductSetting, 'key' | 'value'>[]>('select key, value from conduct_settings where key in (?)', [Object.keys(CONDUCT_SETTINGS)]);
  const out = { ...CONDUCT_SETTINGS } as Record<ConductSettingKey, string>;
  for (const row of rows) out[row.key as ConductSettingKey] = row.value;
  return out;
}

/** Public: the settings as typed values (`showPublicEventList` is true only when its value is "true"). */
export async function systemSettings(ctx: AppContext): Promise<ConductSystemSettingsView> {
  const raw = await rawSettings(ctx);
  return { showPublicEventList: raw.showPublicEventList === 'true' };
}

/** Whether the public event list shows every active event (false until set). */
export async function showPublicEventList(ctx: AppContext): Promise<boolean> {
  return (await systemSettings(ctx)).showPublicEventList;
}

/** SuperAdmin: saves the settings given (at least one); audited `system_settings.updated`. */
export async function updateSystemSettings(ctx: AppContext, input: { showPublicEventList?: boolean | null }): Promise<ConductSystemSettingsView> {
  requireSuperAdmin(ctx);
  const changes: Partial<Record<ConductSettingKey, string>> = {};
  if (input.showPublicEventList !== undefined && input.showPublicEventList !== null) changes.showPublicEventList = String(input.showPublicEventList);
  if (!Object.keys(changes).length) throw badInput('showPublicEventList must be true or false.', { showPublicEventList: 'must be a boolean' });
  await unitOfWork(ctx, async (tx) => {
    for (const [key, value] of Object.entries(changes)) {
      await tx.em.execute('insert into conduct_settings (key, value, updated_at) values (?, ?, now()) on conflict (key) do update set value = excluded.value, updated_at = now()', [
        key,
        value,
      ]);
      await audit(tx, { action: 'system_settings.updated', targetType: 'SystemSetting', targetId: key, details: { value } });
    }
  });
  return systemSettings(ctx);
}
