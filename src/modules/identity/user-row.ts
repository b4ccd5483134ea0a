/**
 * A User read straight from a `users` row (auth-store's statements), without the EntityManager: the
 * viewer's profile that `me` and a login answer with. The column → property map comes from MikroORM's
 * metadata, so it follows the entity; tests/fast-lane.test.ts compares it with `em.map` field by field.
 * The object is not managed: services that change the user take the managed `viewer.user` instead.
 */
import type { MikroORM } from '@mikro-orm/postgresql';
import { User } from './user.entity';
import type { UserRow } from '../../auth/auth-store';

type Column = { prop: string; field: string; date: boolean; convert?: (value: unknown) => unknown };

interface Mapping {
  columns: Column[];
  /**
   * User.prototype under a layer of plain writable slots, one per column: assigning a column to an
   * object made from it creates an own data property, instead of running the setters MikroORM puts on
   * the entity's prototype (change tracking through a lazily built helper), which a detached read-only
   * copy must not have. `instanceof User` and the `hasAvatar` getter still hold.
   */
  proto: object;
}

const mappings = new WeakMap<MikroORM, Mapping>();

function mappingOf(orm: MikroORM): Mapping {
  let mapping = mappings.get(orm);
  if (!mapping) {
    const meta = orm.getMetadata().get(User.name);
    const platform = orm.em.getPlatform();
    const columns = meta.props
      .filter((p) => p.persist !== false && p.fieldNames?.length === 1 && p.kind === 'scalar')
      .map((p) => {
        const date = p.runtimeType === 'Date';
        const type = p.customType;
        // custom types (bigint → BigInt, say) convert as the ORM's hydrator does
        const convert = !date && type ? (v: unknown) => (v === null || v === undefined ? v : type.convertToJSValue(v, platform)) : undefined;
        return { prop: p.name, field: p.fieldNames[0], date, convert };
      });
    const slots: PropertyDescriptorMap = {};
    for (const c of columns) slots[c.prop] = { value: undefined, writable: true, enumerable: false, configurable: true };
    mappings.set(orm, (mapping = { columns, proto: Object.create(User.prototype, slots) }));
  }
  return mapping;
}

/** The `users` columns the entity maps, as `alias."column"`: what auth-store's statements select. */
export function userColumns(orm: MikroORM, alias: string): string {
  return mappingOf(orm)
    .columns.map((c) => `${alias}."${c.field}"`)
    .join(', ');
}

/**
 * The User fields a list of people usually shows, all plain columns (`hasAvatar` reads `avatarFileId`):
 * a list whose selection stays within them may read `LIST_USER_COLUMNS` instead of the whole profile
 * (src/server/selection.ts) and build its users with `listUserFromRow`.
 */
export const LIST_USER_FIELDS: ReadonlySet<string> = new Set(['__typename', 'id', 'username', 'email', 'name', 'avatarFileId', 'hasAvatar']);
const LIST_COLUMNS = ['id', 'username', 'email', 'name', 'avatar_file_id'];

/** The column of each LIST_USER_FIELDS field (`hasAvatar` reads `avatarFileId`'s). */
const LIST_FIELD_COLUMN: Readonly<Record<string, string>> = {
  id: 'id',
  username: 'username',
  email: 'email',
  name: 'name',
  avatarFileId: 'avatar_file_id',
  hasAvatar: 'avatar_file_id',
};

/**
 * `LIST_USER_FIELDS`' columns as `alias."column"`; with `fields` (a selection within them), only the
 * columns those fields read, and always the id.
 */
export function listUserColumns(alias: string, fields?: ReadonlySet<string>): string {
  const columns = fields ? LIST_COLUMNS.filter((c) => c === 'id' || [...fields].some((f) => LIST_FIELD_COLUMN[f] === c)) : LIST_COLUMNS;
  return columns.map((c) => `${alias}."${c}"`).join(', ');
}

/** A User of `LIST_USER_FIELDS` only, from a row of `listUserColumns` (the other properties read undefined). */
export function listUserFromRow(orm: MikroORM, row: UserRow): User {
  const user = Object.create(mappingOf(orm).proto) as Record<string, unknown>;
  user.id = row.id;
  user.username = row.username;
  user.email = row.email;
  user.name = row.name;
  user.avatarFileId = row.avatar_file_id;
  return user as unknown as User;
}

export function userFromRow(orm: MikroORM, row: UserRow): User {
  const { columns, proto } = mappingOf(orm);
  const user = Object.create(proto) as Record<string, unknown>;
  for (const c of columns) {
    const v = row[c.field];
    user[c.prop] = c.date && typeof v === 'string' ? new Date(v) : c.convert ? c.convert(v) : v;
  }
  return user as unknown as User;
}
