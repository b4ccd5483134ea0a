/**
 * The prepared-statement helper (src/db/prepared-sql.ts): a named statement returns exactly the rows
 * MikroORM's own connection returns for the same statement (same type parsers: dates, timestamps,
 * numerics, json, arrays), outside a transaction on its pool and inside one through the transaction
 * (which then sees its own uncommitted writes). The hot lists moved onto it keep their exact answers in
 * their own suites (coparent, compass-matching, cakeplanner-hall-of-fame).
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import { createUser, startTestServer, TestServer, TestUser } from './support/server';
import { statement } from '../src/db/prepared-sql';

let s: TestServer;
let viewer: TestUser;

beforeAll(async () => {
  s = await startTestServer();
  viewer = await createUser(s);
});

afterAll(async () => {
  await s.close();
});

const em = () => s.app.orm.em.fork() as EntityManager;

/** Runs the knex form of a statement through the ORM (what the services ran before). */
const throughOrm = (e: EntityManager, st: ReturnType<typeof statement>, values: unknown[]) =>
  e.execute<Record<string, unknown>[]>(
    st.knex.text,
    st.knex.order.map((i) => values[i]),
  );

const TYPES = statement(
  'test_prepared_types',
  `select $1::uuid as id, u.created_at, u.created_at::date as day, 1.25::numeric as average, 42::bigint as big,
          json_build_object('at', u.created_at, 'n', 1) as doc, array[1, 2]::int[] as ints,
          $2::text as text, $1::uuid = any($3::uuid[]) as listed
     from users u where u.id = $1`,
);

describe('PreparedSql', () => {
  it('turns $n parameters into knex placeholders in order, repeats included', () => {
    const st = statement('x', 'select $2, $1, $2');
    expect(st.knex).toEqual({ text: 'select ?, ?, ?', order: [1, 0, 1] });
  });

  it('returns the rows the ORM connection returns for the same statement', async () => {
    const values = [viewer.id, 'it\'s "quoted" \\ text', [viewer.id, '00000000-0000-4000-8000-000000000000']];
    const prepared = await s.app.sql.read(em(), TYPES, values);
    expect(prepared).toHaveLength(1);
    expect(prepared[0].listed).toBe(true);
    // the ORM path cannot bind a JS array to one `?` (knex expands it): compare with its literal form
    const orm = await throughOrm(em(), TYPES, [values[0], values[1], `{${viewer.id},00000000-0000-4000-8000-000000000000}`]);
    expect(prepared).toEqual(orm);
    expect(typeof prepared[0].created_at).toBe(typeof orm[0].created_at);
  });

  it('inside a transaction, reads through it (its own uncommitted writes) with the same rows', async () => {
    const name = `renamed-${Date.now()}`;
    const ids = [viewer.id];
    await em()
      .transactional(async (tx) => {
        await tx.execute('update users set name = ? where id = ?', [name, viewer.id]);
        const inside = await s.app.sql.read<{ name: string }>(tx as EntityManager, statement('test_prepared_name', 'select name from users where id = any($1::uuid[])'), [ids]);
        expect(inside).toEqual([{ name }]);
        throw new Error('roll back');
      })
      .catch((e: Error) => expect(e.message).toBe('roll back'));
    const after = await s.app.sql.read<{ name: string }>(em(), statement('test_prepared_name', 'select name from users where id = any($1::uuid[])'), [ids]);
    expect(after[0].name).not.toBe(name);
  });
});
