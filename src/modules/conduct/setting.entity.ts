import { Entity, OptionalProps, PrimaryKey, Property } from '@mikro-orm/core';

/** Known conduct system settings and their defaults (conduct-core.md "System settings"). */
export const CONDUCT_SETTINGS = {
  /** whether GET /api/events lists every active event to anyone (false until set) */
  showPublicEventList: 'false',
} as const;
export type ConductSettingKey = keyof typeof CONDUCT_SETTINGS;

/** A conduct system setting: a string value per key (upstream's SystemSetting); unset keys have their default. */
@Entity({ tableName: 'conduct_settings' })
export class ConductSetting {
  [OptionalProps]?: 'updatedAt';

  @PrimaryKey({ type: 'string', length: 100 })
  key!: string;

  @Property({ type: 'text' })
  value!: string;

  @Property({ type: 'datetime', defaultRaw: 'now()', onUpdate: () => new Date() })
  updatedAt: Date = new Date();
}
