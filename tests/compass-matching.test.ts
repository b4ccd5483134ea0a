/**
 * The compass engine through REST, GraphQL and ws: parties with their codes and party-admin accounts,
 * questions, the all-or-nothing bulk answer update, positions and matches against hand-computed values,
 * analytics, logos, constant SQL statement counts, the debounced live feed, and REST/GraphQL parity.
 */
import { collect, createUser, TestUser } from './support/server';
import { CountingServer, startCountingServer } from './support/sql-counter';
import { openOrm } from '../src/db/orm';
import { createTestDatabase } from './support/server';
import { CompassAccount, compassAccount, compassApi, compassLogin, expectError, multipart, png, sql } from './compass.helpers';
import type {
  CompassCountedListsQuery,
  CompassParityCodesQuery,
  CompassParityMatchesQuery,
  CompassParityPositionQuery,
  CompassParityUsersQuery,
  CompassTestAnalyticsChangedSubscription,
} from '../src/generated/graphql';

// Canonical operations typed by codegen; aliases keep the names the assertions read.
const COUNTED_LISTS = /* GraphQL */ `query CompassCountedLists {
  parties { id name logo { id } code position { x y } }
  users(limit: 500) { items { number patientNumber administeredParty { id } } }
}`;
const PARITY_POSITION = /* GraphQL */ `query CompassParityPosition($id: Int!) {
  compassUserPosition: userPosition(userNumber: $id) { x y answered total }
  compassUserAnswers: userAnswers(userNumber: $id) { questionId answer }
}`;
const PARITY_USERS = /* GraphQL */ `query CompassParityUsers { users { total } }`;
const PARITY_MATCHES = /* GraphQL */ `query CompassParityMatches($id: Int!) { compassMatches: partyMatches(userNumber: $id) { matchPercentage } }`;
const PARITY_CODES = /* GraphQL */ `query CompassParityCodes { compassParties: parties { name code } }`;

let s: CountingServer;
let admin: TestUser;
let api: ReturnType<typeof compassApi>;

/** The fixture, by hand:
 *  Q1 economic +1, Q2 economic −1, Q3 social +1, Q4 social −1.
 *  Alpha: Q1 strongly_agree (+2), Q2 disagree (−1 × −1 = +1), Q3 agree (+1), Q4 "" → x = 1.5 × 5 = 7.5, y = 1 × 5 = 5
 *  Beta:  Q1 strongly_disagree (−2), Q2 strongly_agree (−2), Q3 neutral (0), Q4 agree (−1) → x = −10, y = −0.5 × 5 = −2.5
 *  Centre: all neutral → (0, 0), answered 4;  Dormant: nothing → (0, 0), answered 0
 *  Voter: Q1 agree (+1), Q2 neutral (0), Q3 "", Q4 disagree (+1) → x = 0.5 × 5 = 2.5, y = 5, answered 3
 *  Distances from the voter: Alpha 5, Centre = Dormant = √31.25 ≈ 5.5902, Beta √212.5 ≈ 14.58
 *  match = 100 × (1 − d / (20√2)): Alpha 82.32, Centre 80.24, Dormant 80.24 (tie: by name)
 */
const q: number[] = [];
const party: Record<string, { id: number; code: string; admin: { username: string; password: string } }> = {};
let voter: CompassAccount;

beforeAll(async () => {
  s = await startCountingServer();
  admin = await createUser(s);
  api = compassApi(s);
  for (const [text, axis, direction] of [
    ['Q1 markets', 'economic', 1],
    ['Q2 welfare', 'economic', -1],
    ['Q3 tradition', 'social', 1],
    ['Q4 liberty', 'social', -1],
  ] as const) {
    const res = await api('POST', '/api/questions', { token: admin.token, body: { text, axis, direction } });
    expect(res.status).toBe(201);
    q.push(res.body.data.question_id);
  }
  for (const [name, abbreviation] of [
    ['Dormant', 'DOR'],
    ['Beta', 'BET'],
    ['Centre', 'CEN'],
    ['Alpha', 'ALP'],
  ]) {
    const res = await api('POST', '/api/parties', { token: admin.token, body: { name, abbreviation, description: `${name} party` } });
    expect(res.status).toBe(201);
    party[name] = { id: res.body.data.party.party_id, code: res.body.data.code, admin: res.body.data.admin };
  }
  const put = (name: string, answers: string[]) =>
    api('PUT', `/api/parties/${party[name].id}/answers`, { token: admin.token, body: answers.map((answer, i) => ({ question_id: q[i], answer })) });
  expect((await put('Alpha', ['strongly_agree', 'disagree', 'agree', ''])).status).toBe(200);
  expect((await put('Beta', ['strongly_disagree', 'strongly_agree', 'neutral', 'agree'])).status).toBe(200);
  expect((await put('Centre', ['neutral', 'neutral', 'neutral', 'neutral'])).status).toBe(200);
  voter = await compassAccount(s);
  const mine = await api('PUT', `/api/users/${voter.userId}/answers`, {
    token: voter.token,
    body: [
      { question_id: q[0], answer: 'agree' },
      { question_id: q[1], answer: 'neutral' },
      { question_id: q[3], answer: 'disagree' },
    ],
  });
  expect(mine.status).toBe(200);
});
afterAll(() => s.close());

describe('questions', () => {
  it('are public, in position order, with the documented shape', async () => {
    const res = await api('GET', '/api/questions');
    expect(res.status).toBe(200);
    expect(res.body.data.slice(0, 4)).toEqual([
      { question_id: q[0], text: 'Q1 markets', axis: 'economic', direction: 1, position: 1 },
      { question_id: q[1], text: 'Q2 welfare', axis: 'economic', direction: -1, position: 2 },
      { question_id: q[2], text: 'Q3 tradition', axis: 'social', direction: 1, position: 3 },
      { question_id: q[3], text: 'Q4 liberty', axis: 'social', direction: -1, position: 4 },
    ]);
    expect((await api('GET', `/api/questions/${q[0]}`)).body.data.text).toBe('Q1 markets');
    expectError(await api('GET', '/api/questions/99999'), 404, 'Question not found');
  });

  it('are written by super admins only, validated, and a new one gives every party an empty answer', async () => {
    expectError(await api('POST', '/api/questions', { body: { text: 'x', axis: 'social' } }), 401, 'Token not provided');
    expectError(await api('POST', '/api/questions', { token: voter.token, body: { text: 'x', axis: 'social' } }), 403, 'Admin role required');
    const pa = await compassLogin(s, party.Alpha.admin.username, party.Alpha.admin.password);
    expectError(await api('POST', '/api/questions', { token: pa.token, body: { text: 'x', axis: 'social' } }), 403, 'Admin role required');
    expectError(await api('POST', '/api/questions', { token: admin.token, body: { direction: 2 } }), 422, 'Validation failed', {
      text: 'Text is required',
      axis: 'Axis must be "economic" or "social"',
      direction: 'Direction must be 1 or -1',
    });
    // values of the wrong kind are refused before anything else is checked
    expectError(await api('POST', '/api/questions', { token: admin.token, body: { text: 'x', axis: 'north', direction: 'up' } }), 422, 'Validation failed', {
      axis: 'Axis must be "economic" or "social"',
      direction: 'Direction must be a whole number',
    });

    const created = await api('POST', '/api/questions', { token: admin.token, body: { text: 'Temporary', axis: 'social', direction: -1, position: 99 } });
    expect(created.status).toBe(201);
    expect(created.body).toEqual({
      status: 'success',
      message: 'Question created successfully',
      data: { question_id: expect.any(Number), text: 'Temporary', axis: 'social', direction: -1, position: 99 },
    });
    const id = created.body.data.question_id;
    for (const name of Object.keys(party)) {
      const answers = (await api('GET', `/api/parties/${party[name].id}/answers`)).body.data;
      expect(answers.find((a: { question_id: number }) => a.question_id === id)).toEqual({ question_id: id, question: 'Temporary', answer: '' });
    }
    const patched = await api('PATCH', `/api/questions/${id}`, { token: admin.token, body: { text: 'Renamed' } });
    expect(patched.body.data).toEqual({ question_id: id, text: 'Renamed', axis: 'social', direction: -1, position: 99 });
    const replaced = await api('PUT', `/api/questions/${id}`, { token: admin.token, body: { text: 'Replaced', axis: 'economic' } });
    expect(replaced.body.data).toEqual({ question_id: id, text: 'Replaced', axis: 'economic', direction: 1, position: 99 });
    expect((await api('DELETE', `/api/questions/${id}`, { token: admin.token })).body).toEqual({
      status: 'success',
      message: 'Question deleted successfully',
      data: { message: 'Question deleted' },
    });
    expectError(await api('GET', `/api/questions/${id}`), 404, 'Question not found');
  });
});

describe('parties', () => {
  it('are public with the documented shape', async () => {
    const list = await api('GET', '/api/parties');
    expect(list.body.data).toEqual(
      ['Dormant', 'Beta', 'Centre', 'Alpha'].map((name) => ({
        party_id: party[name].id,
        name,
        abbreviation: name.slice(0, 3).toUpperCase(),
        description: `${name} party`,
        logo_url: null,
      })),
    );
    expect((await api('GET', `/api/parties/${party.Beta.id}`)).body.data.name).toBe('Beta');
    expectError(await api('GET', '/api/parties/424242'), 404, 'Party not found');
  });

  it('creation returns a unique code and a party-admin account shown once; starts with empty answers', async () => {
    const res = await api('POST', '/api/parties', { token: admin.token, body: { name: 'Gamma', abbreviation: 'GAM' } });
    expect(res.status).toBe(201);
    expect(res.body).toEqual({
      status: 'success',
      message: 'Party created successfully',
      data: {
        party: { party_id: expect.any(Number), name: 'Gamma', abbreviation: 'GAM', description: null, logo_url: null },
        code: expect.stringMatching(/^[A-Z2-9]{8}$/),
        admin: { username: expect.stringMatching(/^party_/), password: expect.any(String) },
      },
    });
    const codes = new Set([res.body.data.code, ...Object.values(party).map((p) => p.code)]);
    expect(codes.size).toBe(5);
    const answers = (await api('GET', `/api/parties/${res.body.data.party.party_id}/answers`)).body.data;
    expect(answers.slice(0, 4).map((a: { answer: string }) => a.answer)).toEqual(['', '', '', '']);
    const login = await compassLogin(s, res.body.data.admin.username, res.body.data.admin.password);
    expect(login.token).toBeTruthy();
    expectError(await api('POST', '/api/parties', { token: admin.token, body: { name: 'gamma', abbreviation: 'G2' } }), 409, 'Party name already exists');
    expectError(await api('POST', '/api/parties', { token: admin.token, body: { description: 'x'.repeat(10) } }), 422, 'Validation failed', {
      name: 'Name is required',
      abbreviation: 'Abbreviation is required',
    });
    expectError(await api('POST', '/api/parties', { token: voter.token, body: { name: 'Nope', abbreviation: 'N' } }), 403, 'Admin role required');

    // deleting it removes its answers, memberships and its party-admin account
    const id = res.body.data.party.party_id;
    const del = await api('DELETE', `/api/parties/${id}`, { token: admin.token });
    expect(del.body).toEqual({ status: 'success', message: 'Party deleted successfully', data: { message: 'Party deleted' } });
    expectError(await api('GET', `/api/parties/${id}`), 404, 'Party not found');
    expect(await sql(s, 'select 1 from compass_party_answers where party_id = $1', [id])).toHaveLength(0);
    expectError(await api('GET', '/api/auth/validate', { token: login.token }), 401, 'Invalid or expired token');
  });

  it('a party admin edits their own party and its answers, not another party; a super admin edits any', async () => {
    const pa = await compassLogin(s, party.Dormant.admin.username, party.Dormant.admin.password);
    const mine = await api('PATCH', `/api/parties/${party.Dormant.id}`, { token: pa.token, body: { description: 'Sleeping' } });
    expect(mine.body.data).toEqual({ party_id: party.Dormant.id, name: 'Dormant', abbreviation: 'DOR', description: 'Sleeping', logo_url: null });
    const replaced = await api('PUT', `/api/parties/${party.Dormant.id}`, { token: admin.token, body: { name: 'Dormant', abbreviation: 'DOR' } });
    expect(replaced.body.data.description).toBeNull();
    await api('PATCH', `/api/parties/${party.Dormant.id}`, { token: admin.token, body: { description: 'Dormant party' } });
    expectError(
      await api('PATCH', `/api/parties/${party.Beta.id}`, { token: pa.token, body: { description: 'x' } }),
      403,
      "Only this party's admin or a super admin can change it",
    );
    expectError(await api('PUT', `/api/parties/${party.Beta.id}/answers`, { token: pa.token, body: [] }), 403, "Only this party's admin or a super admin can change it");
    expectError(
      await api('PATCH', `/api/parties/${party.Beta.id}`, { token: voter.token, body: { description: 'x' } }),
      403,
      "Only this party's admin or a super admin can change it",
    );
    expectError(await api('PATCH', `/api/parties/${party.Beta.id}`, { body: { description: 'x' } }), 401, 'Token not provided');
    expectError(await api('DELETE', `/api/parties/${party.Dormant.id}`, { token: pa.token }), 403, 'Admin role required');
    expectError(await api('PATCH', `/api/parties/${party.Beta.id}`, { token: admin.token, body: { name: 'alpha' } }), 409, 'Party name already exists');
    // the party admin writes their party's answers (then restores them)
    const own = await api('PUT', `/api/parties/${party.Dormant.id}/answers`, { token: pa.token, body: { answers: [{ question_id: q[0], answer: 'agree' }] } });
    expect(own.status).toBe(200);
    expect(own.body.data.slice(0, 4).map((a: { answer: string }) => a.answer)).toEqual(['agree', '', '', '']);
    await api('PUT', `/api/parties/${party.Dormant.id}/answers`, { token: pa.token, body: [] });
  });
});

describe('logos', () => {
  it('are uploaded by the party admin, served publicly, replaced and deleted with their bytes', async () => {
    const pa = await compassLogin(s, party.Beta.admin.username, party.Beta.admin.password);
    const up = await api('POST', `/api/parties/${party.Beta.id}/logo`, { token: pa.token, rawBody: multipart('logo', png(3)) });
    expect(up.status).toBe(200);
    expect(up.body.data.logo_url).toMatch(new RegExp(`/compass/api/parties/${party.Beta.id}/logo\\?v=`));
    const [{ logo_file_id: first }] = await sql(s, 'select logo_file_id from compass_parties where id = $1', [party.Beta.id]);
    const served = await fetch(`${s.url}/compass/api/parties/${party.Beta.id}/logo`);
    expect(served.status).toBe(200);
    expect(served.headers.get('content-type')).toBe('image/png');
    expect(Buffer.from(await served.arrayBuffer())).toEqual(png(3));

    const again = await api('POST', `/api/parties/${party.Beta.id}/logo`, { token: admin.token, rawBody: multipart('logo', png(4)) });
    expect(again.body.data.logo_url).not.toBe(up.body.data.logo_url);
    expect(await sql(s, 'select 1 from stored_files where id = $1', [first])).toHaveLength(0);
    expect(Buffer.from(await (await fetch(`${s.url}/compass/api/parties/${party.Beta.id}/logo`)).arrayBuffer())).toEqual(png(4));

    expectError(
      await api('POST', `/api/parties/${party.Alpha.id}/logo`, { token: pa.token, rawBody: multipart('logo', png()) }),
      403,
      "Only this party's admin or a super admin can change it",
    );
    const big = await api('POST', `/api/parties/${party.Beta.id}/logo`, { token: pa.token, rawBody: multipart('logo', png(2 * 1024 * 1024)) });
    expect(big.status).toBe(422);
    expect(Object.keys(big.body.errors)).toEqual(['logo']);
    const notImage = await api('POST', `/api/parties/${party.Beta.id}/logo`, { token: pa.token, rawBody: multipart('logo', Buffer.from('%PDF-1.4 not an image')) });
    expect(notImage.status).toBe(422);

    const [{ logo_file_id: second }] = await sql(s, 'select logo_file_id from compass_parties where id = $1', [party.Beta.id]);
    const del = await api('DELETE', `/api/parties/${party.Beta.id}/logo`, { token: pa.token });
    expect(del.body.data.logo_url).toBeNull();
    expect(await sql(s, 'select 1 from stored_files where id = $1', [second])).toHaveLength(0);
    expectError(await api('GET', `/api/parties/${party.Beta.id}/logo`), 404, 'Logo not found');
  });
});

describe('answers', () => {
  it('lists every question with the user\'s answer, "" when unanswered (self or admin)', async () => {
    const res = await api('GET', `/api/users/${voter.userId}/answers`, { token: voter.token });
    expect(res.body).toEqual({
      status: 'success',
      message: 'Answers retrieved successfully',
      data: [
        { question_id: q[0], question: 'Q1 markets', answer: 'agree' },
        { question_id: q[1], question: 'Q2 welfare', answer: 'neutral' },
        { question_id: q[2], question: 'Q3 tradition', answer: '' },
        { question_id: q[3], question: 'Q4 liberty', answer: 'disagree' },
      ],
    });
    const other = await compassAccount(s);
    expectError(await api('GET', `/api/users/${voter.userId}/answers`, { token: other.token }), 403, 'Access denied');
    expectError(await api('GET', `/api/users/${voter.userId}/answers`), 401, 'Token not provided');
    expect((await api('GET', `/api/users/${voter.userId}/answers`, { token: admin.token })).status).toBe(200);
    // party answers are public
    const alpha = await api('GET', `/api/parties/${party.Alpha.id}/answers`);
    expect(alpha.body.data.map((a: { answer: string }) => a.answer)).toEqual(['strongly_agree', 'disagree', 'agree', '']);
  });

  it('a bulk update is all or nothing: one bad entry changes nothing and names each problem', async () => {
    const u = await compassAccount(s);
    const first = await api('PUT', `/api/users/${u.userId}/answers`, {
      token: u.token,
      body: [
        { question_id: q[0], answer: 'agree' },
        { question_id: q[2], answer: 'strongly_disagree' },
      ],
    });
    expect(first.status).toBe(200);
    const before = (await api('GET', `/api/users/${u.userId}/answers`, { token: u.token })).body.data;

    const bad = await api('PUT', `/api/users/${u.userId}/answers`, {
      token: u.token,
      body: [
        { question_id: q[0], answer: 'disagree' },
        { question_id: q[1], answer: 'maybe' },
        { question_id: 987654, answer: 'agree' },
      ],
    });
    expectError(bad, 422, 'Validation failed', {
      'answers[1].answer': 'Answer must be one of strongly_agree, agree, neutral, disagree, strongly_disagree or "" (unanswered)',
      'answers[2].question_id': 'Question 987654 does not exist',
    });
    expect((await api('GET', `/api/users/${u.userId}/answers`, { token: u.token })).body.data).toEqual(before);
    expect((await api('GET', `/api/users/${u.userId}/compass`, { token: u.token })).body.data).toEqual({ x: 5, y: -10, answered: 2, total: 4 });

    const dup = await api('PUT', `/api/users/${u.userId}/answers`, {
      token: u.token,
      body: [
        { question_id: q[0], answer: 'agree' },
        { question_id: q[0], answer: 'neutral' },
      ],
    });
    expectError(dup, 422, 'Validation failed', { 'answers[1].question_id': `Question ${q[0]} is answered more than once` });
    const notList = await api('PUT', `/api/users/${u.userId}/answers`, { token: u.token, body: { answer: 'agree' } });
    expectError(notList, 422, 'Validation failed', { answers: 'Send a JSON array of {question_id, answer}' });

    // the {answers: [...]} form; questions left out become ""
    const wrapped = await api('PUT', `/api/users/${u.userId}/answers`, { token: u.token, body: { answers: [{ question_id: q[3], answer: 'agree' }] } });
    expect(wrapped.body.data.map((a: { answer: string }) => a.answer)).toEqual(['', '', '', 'agree']);
  });
});

describe('compass positions and matches', () => {
  it('places users and parties as computed by hand', async () => {
    expect((await api('GET', `/api/users/${voter.userId}/compass`, { token: voter.token })).body).toEqual({
      status: 'success',
      message: 'Compass position calculated successfully',
      data: { x: 2.5, y: 5, answered: 3, total: 4 },
    });
    expect((await api('GET', `/api/parties/${party.Alpha.id}/compass`)).body.data).toEqual({ x: 7.5, y: 5, answered: 3, total: 4 });
    expect((await api('GET', `/api/parties/${party.Beta.id}/compass`)).body.data).toEqual({ x: -10, y: -2.5, answered: 4, total: 4 });
    expect((await api('GET', `/api/parties/${party.Dormant.id}/compass`)).body.data).toEqual({ x: 0, y: 0, answered: 0, total: 4 });
    const all = await api('GET', '/api/compass');
    expect(all.body.data.map((p: { name: string; x: number; y: number; answered: number }) => [p.name, p.x, p.y, p.answered])).toEqual([
      ['Dormant', 0, 0, 0],
      ['Beta', -10, -2.5, 4],
      ['Centre', 0, 0, 4],
      ['Alpha', 7.5, 5, 3],
    ]);
  });

  it('gives the three nearest parties with match_percentage, ties by name', async () => {
    const res = await api('GET', `/api/users/${voter.userId}/matches`, { token: voter.token });
    expect(res.status).toBe(200);
    expect(res.body.message).toBe('Matches calculated successfully');
    expect(res.body.data).toEqual([
      { party_id: party.Alpha.id, name: 'Alpha', abbreviation: 'ALP', description: 'Alpha party', logo_url: null, x: 7.5, y: 5, distance: 5, match_percentage: 82.32 },
      { party_id: party.Centre.id, name: 'Centre', abbreviation: 'CEN', description: 'Centre party', logo_url: null, x: 0, y: 0, distance: 5.59, match_percentage: 80.24 },
      { party_id: party.Dormant.id, name: 'Dormant', abbreviation: 'DOR', description: 'Dormant party', logo_url: null, x: 0, y: 0, distance: 5.59, match_percentage: 80.24 },
    ]);
  });

  it('answers 422 while the user has answered nothing, and follows the self/admin rule', async () => {
    const fresh = await compassAccount(s);
    expectError(await api('GET', `/api/users/${fresh.userId}/matches`, { token: fresh.token }), 422, 'Validation failed', {
      answers: 'Answer at least one question to get matches',
    });
    expect((await api('GET', `/api/users/${fresh.userId}/compass`, { token: fresh.token })).body.data).toEqual({ x: 0, y: 0, answered: 0, total: 4 });
    expectError(await api('GET', `/api/users/${voter.userId}/matches`, { token: fresh.token }), 403, 'Access denied');
    expectError(await api('GET', `/api/users/${voter.userId}/compass`), 401, 'Token not provided');
    expect((await api('GET', `/api/users/${voter.userId}/matches`, { token: admin.token })).body.data).toHaveLength(3);
    expectError(await api('GET', '/api/users/888888/matches', { token: admin.token }), 404, 'User not found');
  });

  it("follows a question's direction change for every user", async () => {
    await api('PATCH', `/api/questions/${q[1]}`, { token: admin.token, body: { direction: 1 } });
    try {
      // Q2 neutral stays 0: x = (1 + 0) / 2 × 5 = 2.5 still; the party Beta's Q2 strongly_agree turns +2: x = 0
      expect((await api('GET', `/api/parties/${party.Beta.id}/compass`)).body.data.x).toBe(0);
      await api('PUT', `/api/users/${voter.userId}/answers`, { token: admin.token, body: [{ question_id: q[1], answer: 'agree' }] });
      expect((await api('GET', `/api/users/${voter.userId}/compass`, { token: voter.token })).body.data).toEqual({ x: 5, y: 0, answered: 1, total: 4 });
      await api('PATCH', `/api/questions/${q[1]}`, { token: admin.token, body: { direction: -1 } });
      expect((await api('GET', `/api/users/${voter.userId}/compass`, { token: voter.token })).body.data).toEqual({ x: -5, y: 0, answered: 1, total: 4 });
    } finally {
      await api('PATCH', `/api/questions/${q[1]}`, { token: admin.token, body: { direction: -1 } });
      await api('PUT', `/api/users/${voter.userId}/answers`, {
        token: voter.token,
        body: [
          { question_id: q[0], answer: 'agree' },
          { question_id: q[1], answer: 'neutral' },
          { question_id: q[3], answer: 'disagree' },
        ],
      });
    }
  });
});

describe('analytics', () => {
  it('reports totals, completion, distribution, top matches and mean position (admins only)', async () => {
    const { s: other } = { s };
    const res = await api('GET', '/api/analytics', { token: admin.token });
    expect(res.status).toBe(200);
    const a = res.body.data;
    // users: every account except party admins (admin, voter and the accounts other tests made)
    const [{ n: users }] = await sql(other, `select count(*)::int as n from users where deleted_at is null and id not in (select user_id from compass_party_admins)`);
    const [{ n: answered }] = await sql(other, `select count(distinct user_id)::int as n from compass_user_answers`);
    expect(a.totals).toEqual(expect.objectContaining({ users, parties: 4, questions: 4, users_answered: answered }));
    const q1 = a.answer_distribution.find((d: { question_id: number }) => d.question_id === q[0]);
    expect(q1).toEqual(expect.objectContaining({ question_id: q[0], text: 'Q1 markets', axis: 'economic' }));
    expect(q1.agree).toBeGreaterThanOrEqual(1);
    expect(q1.strongly_agree + q1.agree + q1.neutral + q1.disagree + q1.strongly_disagree + q1.unanswered).toBe(users);
    expect(a.top_matches.map((t: { name: string }) => t.name).sort()).toEqual(['Alpha', 'Beta', 'Centre', 'Dormant']);
    expect(a.top_matches.reduce((n: number, t: { users: number }) => n + t.users, 0)).toBe(answered);
    expect(a.completion_rate).toBeGreaterThanOrEqual(0);
    expect(a.mean_position).toEqual({ x: expect.any(Number), y: expect.any(Number) });
    expectError(await api('GET', '/api/analytics', { token: voter.token }), 403, 'Admin role required');
    expectError(await api('GET', '/api/analytics'), 401, 'Token not provided');
  });

  it('matches a small population computed by hand', async () => {
    const { s: small } = { s: await startCountingServer() };
    try {
      const boss = await createUser(small);
      const sapi = compassApi(small);
      const qs: number[] = [];
      for (const axis of ['economic', 'social']) qs.push((await sapi('POST', '/api/questions', { token: boss.token, body: { text: axis, axis } })).body.data.question_id);
      const left = (await sapi('POST', '/api/parties', { token: boss.token, body: { name: 'Left', abbreviation: 'L' } })).body.data.party.party_id;
      const right = (await sapi('POST', '/api/parties', { token: boss.token, body: { name: 'Right', abbreviation: 'R' } })).body.data.party.party_id;
      await sapi('PUT', `/api/parties/${left}/answers`, { token: boss.token, body: [{ question_id: qs[0], answer: 'strongly_disagree' }] });
      await sapi('PUT', `/api/parties/${right}/answers`, { token: boss.token, body: [{ question_id: qs[0], answer: 'strongly_agree' }] });
      const u1 = await compassAccount(small);
      const u2 = await compassAccount(small);
      await compassAccount(small); // answers nothing
      await sapi('PUT', `/api/users/${u1.userId}/answers`, {
        token: u1.token,
        body: [
          { question_id: qs[0], answer: 'agree' },
          { question_id: qs[1], answer: 'agree' },
        ],
      });
      await sapi('PUT', `/api/users/${u2.userId}/answers`, { token: u2.token, body: [{ question_id: qs[0], answer: 'disagree' }] });
      const res = await sapi('GET', '/api/analytics', { token: boss.token });
      // users: boss + 3 accounts (the 2 party admins are not counted); u1 at (5, 5), u2 at (−5, 0)
      expect(res.body.data).toEqual({
        totals: { users: 4, parties: 2, questions: 2, answers: 3, users_answered: 2, users_completed: 1 },
        completion_rate: 25,
        answer_distribution: [
          { question_id: qs[0], text: 'economic', axis: 'economic', strongly_agree: 0, agree: 1, neutral: 0, disagree: 1, strongly_disagree: 0, unanswered: 2 },
          { question_id: qs[1], text: 'social', axis: 'social', strongly_agree: 0, agree: 1, neutral: 0, disagree: 0, strongly_disagree: 0, unanswered: 3 },
        ],
        top_matches: [
          { party_id: left, name: 'Left', abbreviation: 'L', users: 1 },
          { party_id: right, name: 'Right', abbreviation: 'R', users: 1 },
        ],
        mean_position: { x: 0, y: 2.5 },
      });
    } finally {
      await small.close();
    }
  });
});

describe('constant SQL statement counts', () => {
  async function statements(fn: () => Promise<unknown>): Promise<number> {
    return (await s.sql.during(fn)).statements.length;
  }

  it('lists of users, parties (with positions) and answers, analytics and matches cost the same whatever their length', async () => {
    const usersList = () => api('GET', '/api/users?limit=500', { token: admin.token });
    const partiesGql = () => s.gql<CompassCountedListsQuery>(COUNTED_LISTS, {}, { token: admin.token });
    const answers = () => api('GET', `/api/users/${voter.userId}/answers`, { token: voter.token });
    const analytics = () => api('GET', '/api/analytics', { token: admin.token });
    const matches = () => api('GET', `/api/users/${voter.userId}/matches`, { token: voter.token });
    const before = [await statements(usersList), await statements(partiesGql), await statements(answers), await statements(analytics), await statements(matches)];

    for (let i = 0; i < 4; i++) await compassAccount(s);
    for (let i = 0; i < 3; i++) await api('POST', '/api/parties', { token: admin.token, body: { name: `Extra ${i}`, abbreviation: `E${i}` } });
    for (let i = 0; i < 3; i++) await api('POST', '/api/questions', { token: admin.token, body: { text: `Extra ${i}`, axis: 'social' } });

    const after = [await statements(usersList), await statements(partiesGql), await statements(answers), await statements(analytics), await statements(matches)];
    expect(after).toEqual(before);
    // analytics and matches: the session lookup and one statement
    expect(before[3]).toBe(2);
    expect(before[4]).toBe(2);
  });
});

describe('the live analytics feed and parity', () => {
  const SUB = /* GraphQL */ `subscription CompassTestAnalyticsChanged { compassAnalyticsChanged { totals { users answers usersAnswered } meanPosition { x y } generatedAt } }`;

  it('a REST write is seen by a GraphQL query and by the subscription', async () => {
    const u = await compassAccount(s);
    const ws = s.ws(admin.token);
    try {
      const sub = collect<CompassTestAnalyticsChangedSubscription>(ws, SUB, {}, 1, 15000);
      await sub.ready;
      const put = await api('PUT', `/api/users/${u.userId}/answers`, { token: u.token, body: [{ question_id: q[0], answer: 'strongly_agree' }] });
      expect(put.status).toBe(200);
      const [event] = await sub.done;
      expect(event.data!.compassAnalyticsChanged.totals.answers).toBeGreaterThan(0);
      const gql = await s.gql<CompassParityPositionQuery>(PARITY_POSITION, { id: u.userId }, { token: u.token });
      expect(gql.data!.compassUserPosition).toEqual({ x: 10, y: 0, answered: 1, total: expect.any(Number) });
      expect(gql.data!.compassUserAnswers[0]).toEqual({ questionId: q[0], answer: 'strongly_agree' });
    } finally {
      await ws.dispose();
    }
  });

  it('is debounced to at most one event a second', async () => {
    const u = await compassAccount(s);
    const ws = s.ws(admin.token);
    const times: number[] = [];
    const dispose = ws.subscribe({ query: SUB }, { next: () => void times.push(Date.now()), error: () => undefined, complete: () => undefined });
    try {
      await new Promise<void>((r) => ws.on('connected', () => setTimeout(r, 300)));
      await new Promise((r) => setTimeout(r, 1100));
      times.length = 0;
      const started = Date.now();
      for (let i = 0; i < 6; i++) {
        await api('PUT', `/api/users/${u.userId}/answers`, { token: u.token, body: [{ question_id: q[i % 4], answer: 'agree' }] });
      }
      const writing = Date.now() - started;
      await new Promise((r) => setTimeout(r, 2500));
      // Six writes make at most one event per started second of writing, plus the trailing one. Counting
      // events (not the gaps between arrivals) keeps the check true on a loaded machine, where delivery
      // jitter can bring two events emitted a second apart closer together at the client.
      expect(times.length).toBeGreaterThanOrEqual(1);
      expect(times.length).toBeLessThanOrEqual(Math.min(6, Math.ceil(writing / 1000) + 1));
    } finally {
      dispose();
      await ws.dispose();
    }
  });

  it('is for admins only, and GraphQL applies the same rules as REST', async () => {
    const ws = s.ws(voter.token);
    try {
      const [refused] = await collect<CompassTestAnalyticsChangedSubscription>(ws, SUB, {}, 1, 5000).done;
      expect((refused.errors as { extensions: { code: string } }[])[0].extensions.code).toBe('FORBIDDEN');
    } finally {
      await ws.dispose();
    }
    const denied = await s.gql<CompassParityUsersQuery>(PARITY_USERS, {}, { token: voter.token });
    expect(denied.errors?.[0].extensions?.code).toBe('FORBIDDEN');
    const other = await s.gql<CompassParityMatchesQuery>(PARITY_MATCHES, { id: voter.userId }, { token: admin.token });
    expect(other.data!.compassMatches.map((m: { matchPercentage: number }) => m.matchPercentage)).toEqual([82.32, 80.24, 80.24]);
    const code = await s.gql<CompassParityCodesQuery>(PARITY_CODES, {}, { token: voter.token });
    expect(code.data!.compassParties.every((p: { code: string | null }) => p.code === null)).toBe(true);
    const codeAdmin = await s.gql<CompassParityCodesQuery>(PARITY_CODES, {}, { token: admin.token });
    expect(codeAdmin.data!.compassParties.find((p: { name: string }) => p.name === 'Alpha')!.code).toBe(party.Alpha.code);
  });
});

it('the compass migration builds exactly the tables the compass entities describe', async () => {
  const orm = await openOrm(await createTestDatabase());
  try {
    const diff = await orm.getSchemaGenerator().getUpdateSchemaSQL({ wrap: false, safe: false, dropTables: true });
    expect(diff.split('\n').filter((l) => /compass_/.test(l))).toEqual([]);
  } finally {
    await orm.close(true);
  }
});
