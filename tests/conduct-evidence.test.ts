/**
 * conduct's evidence files (conduct-reports.md "Evidence"), as conduct's frontend sends them (multipart,
 * the session cookie): uploads of several files under `evidence` and `evidence[]`, types recognised from
 * the bytes (disguised files refused), one bad file storing nothing, 413 over 10 MB, downloads byte for
 * byte with their headers, deletion by staff, and the role matrix of every route (the slug, event id and
 * standalone `/api/reports/:id` and `/api/evidence/:id` routes), then the same operations through GraphQL.
 */
import { api, conductServer, conductUser, ConductUser, grantEventRole, reportBody, seedEvent, seedOrganization, seedReport, sql } from './conduct.helpers';
import { JPEG, PNG } from './cakeplanner.helpers';
import type { TestServer } from './support/server';
import { contentDisposition } from '../src/rest/engine/engine';

let s: TestServer;
let superAdmin: ConductUser;
let admin: ConductUser;
let responder: ConductUser;
let reporter: ConductUser;
let reporter2: ConductUser;
let outsider: ConductUser;
let otherAdmin: ConductUser;
let event: { id: string; slug: string };
let other: { id: string; slug: string };
/** the reporter's own report, another reporter's, and one of the other event */
let own: string;
let theirs: string;
let elsewhere: string;

const MISSING = '00000000-0000-0000-0000-000000000000';
const PDF = Buffer.from('%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n');
const TEXT = Buffer.from('Notes taken right after the talk — 14:05, room B.\nWitness: Sam.\n', 'utf8');
const GIF = Buffer.from('R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7', 'base64');
const MB = 1024 * 1024;

type Part = { field?: string; bytes: Buffer; filename: string; type?: string };

/** A multipart body as a browser builds it; each part under `evidence` unless told. */
function files(...parts: Part[]): FormData {
  const fd = new FormData();
  for (const p of parts) fd.append(p.field ?? 'evidence', new Blob([new Uint8Array(p.bytes)], { type: p.type ?? 'application/octet-stream' }), p.filename);
  return fd;
}

const upload = (path: string, who: ConductUser | null, body: FormData) => api(s, 'POST', path, { cookie: who?.cookie, rawBody: body });
const bySlug = (report: string, slug = event.slug) => `/api/events/slug/${slug}/reports/${report}/evidence`;
const byEvent = (report: string, eventId = event.id) => `/api/events/${eventId}/reports/${report}/evidence`;
const standalone = (report: string) => `/api/reports/${report}/evidence`;

async function counts(): Promise<{ evidence: number; stored: number }> {
  const [row] = await sql<{ evidence: number; stored: number }>(
    s,
    `select (select count(*) from conduct_evidence)::int as evidence, (select count(*) from stored_files where purpose = 'conduct-evidence')::int as stored`,
  );
  return row;
}

/** Uploads one PNG as `who` to a report by slug and answers the new evidence id. */
async function onePng(report: string, who: ConductUser = responder): Promise<string> {
  const res = await upload(bySlug(report), who, files({ bytes: PNG, filename: 'shot.png' }));
  expect(res.status).toBe(200);
  return res.body.files[0].id;
}

beforeAll(async () => {
  ({ s, superAdmin } = await conductServer());
  admin = await conductUser(s, { name: 'Ada Admin' });
  responder = await conductUser(s, { name: 'Rita Responder' });
  reporter = await conductUser(s, { name: 'Rob Reporter' });
  reporter2 = await conductUser(s, { name: 'Ria Reporter' });
  outsider = await conductUser(s, { name: 'Olga Outsider' });
  otherAdmin = await conductUser(s, { name: 'Otto Admin' });
  event = await seedEvent(s, { name: 'Main Conf', isActive: true });
  other = await seedEvent(s, { name: 'Other Conf' });
  await grantEventRole(s, admin.id, event.id, 'Admin');
  await grantEventRole(s, responder.id, event.id, 'Responder');
  await grantEventRole(s, reporter.id, event.id, 'Reporter');
  await grantEventRole(s, reporter2.id, event.id, 'Reporter');
  await grantEventRole(s, otherAdmin.id, other.id, 'Admin');
  // reports as their reporters file them (the create route), one seeded in the other event
  const file = async (who: ConductUser) => {
    const res = await api(s, 'POST', `/api/events/slug/${event.slug}/reports`, { cookie: who.cookie, body: reportBody() });
    expect(res.status).toBe(201);
    return res.body.report.id as string;
  };
  own = await file(reporter);
  theirs = await file(reporter2);
  elsewhere = await seedReport(s, other.id, { reporterId: otherAdmin.id });
});

describe('a report created with evidence (multipart create)', () => {
  const createForm = (...parts: Part[]) => {
    const fd = files(...parts);
    for (const [k, v] of Object.entries(reportBody({ urgency: 'high', contactPreference: 'in-person' }))) fd.append(k, String(v));
    return fd;
  };
  const reportCount = async () => (await sql<{ n: number }>(s, 'select count(*)::int as n from conduct_reports'))[0].n;

  it('stores the files sent under `evidence` and `evidence[]` with the report, in one go', async () => {
    const res = await upload(
      `/api/events/slug/${event.slug}/reports`,
      reporter,
      createForm({ bytes: PNG, filename: 'scene.png' }, { field: 'evidence[]', bytes: TEXT, filename: 'timeline.txt' }),
    );
    expect(res.status).toBe(201);
    expect(res.body.report).toMatchObject({ reporterId: reporter.id, state: 'submitted', severity: 'high', contactPreference: 'in_person' });
    const got = await api(s, 'GET', `/api/events/slug/${event.slug}/reports/${res.body.report.id}`, { cookie: reporter.cookie });
    expect(got.body.report.evidenceFiles.map((f: { filename: string; mimetype: string }) => [f.filename, f.mimetype])).toEqual([
      ['scene.png', 'image/png'],
      ['timeline.txt', 'text/plain'],
    ]);
    const byId = await upload(`/api/events/${event.id}/reports`, reporter, createForm({ bytes: PDF, filename: 'statement.pdf' }));
    expect(byId.status).toBe(201);
    const listed = await api(s, 'GET', standalone(byId.body.report.id), { cookie: reporter.cookie });
    expect(listed.body.files).toEqual([
      expect.objectContaining({ filename: 'statement.pdf', mimetype: 'application/pdf', uploader: { id: reporter.id, name: reporter.name, email: reporter.email } }),
    ]);
  });

  it('creates nothing when one file is bad (400) or too big (413)', async () => {
    const before = { reports: await reportCount(), ...(await counts()) };
    const bad = await upload(`/api/events/slug/${event.slug}/reports`, reporter, createForm({ bytes: PNG, filename: 'ok.png' }, { bytes: TEXT, filename: 'fake.png' }));
    expect(bad.status).toBe(400);
    const big = await upload(`/api/events/slug/${event.slug}/reports`, reporter, createForm({ bytes: Buffer.alloc(10 * MB + 1, 0x62), filename: 'big.txt' }));
    expect(big.status).toBe(413);
    expect({ reports: await reportCount(), ...(await counts()) }).toEqual(before);
  });
});
afterAll(() => s?.close());

describe('uploads', () => {
  it('stores several files sent under `evidence` (the frontend) with their sniffed types and original names, in order', async () => {
    const res = await upload(
      bySlug(own),
      reporter,
      files(
        { bytes: PNG, filename: 'shot.final.png', type: 'image/png' },
        { bytes: PDF, filename: 'statement.pdf', type: 'application/pdf' },
        { bytes: TEXT, filename: 'notes', type: 'application/octet-stream' },
        { bytes: JPEG, filename: 'photo.JPG', type: 'text/plain' },
      ),
    );
    expect(res.status).toBe(200);
    expect(res.body.files).toEqual([
      {
        id: expect.any(String),
        filename: 'shot.final.png',
        mimetype: 'image/png',
        size: PNG.length,
        createdAt: expect.any(String),
        uploader: { id: reporter.id, name: reporter.name, email: reporter.email },
      },
      {
        id: expect.any(String),
        filename: 'statement.pdf',
        mimetype: 'application/pdf',
        size: PDF.length,
        createdAt: expect.any(String),
        uploader: { id: reporter.id, name: reporter.name, email: reporter.email },
      },
      {
        id: expect.any(String),
        filename: 'notes',
        mimetype: 'text/plain',
        size: TEXT.length,
        createdAt: expect.any(String),
        uploader: { id: reporter.id, name: reporter.name, email: reporter.email },
      },
      {
        id: expect.any(String),
        filename: 'photo.JPG',
        mimetype: 'image/jpeg',
        size: JPEG.length,
        createdAt: expect.any(String),
        uploader: { id: reporter.id, name: reporter.name, email: reporter.email },
      },
    ]);
    // the three list routes answer the same metadata, oldest first
    for (const path of [bySlug(own), byEvent(own), standalone(own)]) {
      const list = await api(s, 'GET', path, { cookie: reporter.cookie });
      expect([path, list.status]).toEqual([path, 200]);
      expect(list.body).toEqual({ files: res.body.files });
    }
  });

  it("takes the document's `evidence[]` field too, and answers 201 on /api/reports/:id/evidence (upstream)", async () => {
    const res = await upload(
      standalone(own),
      reporter,
      files({ field: 'evidence[]', bytes: TEXT, filename: 'more.txt' }, { field: 'evidence[]', bytes: PNG, filename: 'more.png' }),
    );
    expect(res.status).toBe(201);
    expect(res.body.files.map((f: { filename: string; mimetype: string }) => [f.filename, f.mimetype])).toEqual([
      ['more.txt', 'text/plain'],
      ['more.png', 'image/png'],
    ]);
  });

  it('strips path parts from names, keeps their dots, and reads UTF-8 names', async () => {
    const res = await upload(bySlug(own), reporter, files({ bytes: TEXT, filename: 'C:\\Users\\rob\\my.notes.v2.txt' }, { bytes: TEXT, filename: '../../etc/résumé final.txt' }));
    expect(res.status).toBe(200);
    expect(res.body.files.map((f: { filename: string }) => f.filename)).toEqual(['my.notes.v2.txt', 'résumé final.txt']);
  });

  it('refuses disguised and unknown types (400) and stores nothing', async () => {
    const before = await counts();
    const cases: [string, Part][] = [
      ['text named .png', { bytes: TEXT, filename: 'screenshot.png', type: 'image/png' }],
      ['a PNG named .pdf', { bytes: PNG, filename: 'statement.pdf', type: 'application/pdf' }],
      ['a PDF named .jpg', { bytes: PDF, filename: 'photo.jpg' }],
      ['a JPEG named .txt', { bytes: JPEG, filename: 'notes.txt' }],
      ['a GIF', { bytes: GIF, filename: 'anim.gif', type: 'image/gif' }],
      ['binary with NUL bytes', { bytes: Buffer.from([0x41, 0x00, 0x42, 0x43]), filename: 'data.bin' }],
      ['invalid UTF-8', { bytes: Buffer.from([0x48, 0x69, 0xff, 0xfe, 0x21]), filename: 'odd' }],
      ['an empty file', { bytes: Buffer.alloc(0), filename: 'empty.txt' }],
    ];
    for (const [name, part] of cases) {
      const res = await upload(bySlug(own), reporter, files(part));
      expect([name, res.status]).toEqual([name, 400]);
      expect(res.body).toEqual({ error: expect.any(String), details: { files: expect.any(String) } });
    }
    expect(await counts()).toEqual(before);
  });

  it('refuses the whole request when one file of several is bad: nothing is stored', async () => {
    const before = await counts();
    const res = await upload(bySlug(own), reporter, files({ bytes: PNG, filename: 'good.png' }, { bytes: PDF, filename: 'good.pdf' }, { bytes: TEXT, filename: 'fake.jpeg' }));
    expect(res.status).toBe(400);
    expect(res.body.error).toMatch(/fake\.jpeg/);
    expect(await counts()).toEqual(before);
  });

  it('answers 413 for a file over 10 MB and stores nothing; exactly 10 MB is taken', async () => {
    const before = await counts();
    const tooBig = await upload(bySlug(own), reporter, files({ bytes: PNG, filename: 'small.png' }, { bytes: Buffer.alloc(10 * MB + 1, 0x61), filename: 'huge.txt' }));
    expect(tooBig.status).toBe(413);
    expect(tooBig.body).toEqual({ error: expect.stringMatching(/larger than/), details: { evidence: expect.any(String) } });
    expect(await counts()).toEqual(before);
    const exact = Buffer.alloc(10 * MB, 0x61);
    const ok = await upload(bySlug(own), reporter, files({ bytes: exact, filename: 'exact.txt' }));
    expect(ok.status).toBe(200);
    expect(ok.body.files[0]).toMatchObject({ filename: 'exact.txt', mimetype: 'text/plain', size: 10 * MB });
    const down = await api(s, 'GET', `/api/evidence/${ok.body.files[0].id}/download`, { cookie: reporter.cookie });
    expect(Buffer.from(down.text).equals(exact)).toBe(true);
  });

  it('refuses more files than a request may carry (UPLOAD_MAX_FILES, 5) and a request without a file (400)', async () => {
    const before = await counts();
    const six = files(...Array.from({ length: 6 }, (_, i) => ({ bytes: PNG, filename: `p${i}.png` })));
    const many = await upload(bySlug(own), reporter, six);
    expect(many.status).toBe(400);
    expect(many.body.error).toMatch(/Too many files/);
    const none = new FormData();
    none.append('note', 'no file here');
    const empty = await upload(bySlug(own), reporter, none);
    expect(empty.status).toBe(400);
    expect(empty.body.error).toBe('No evidence files uploaded.');
    // a JSON body (no multipart at all) is no file either
    const json = await api(s, 'POST', bySlug(own), { cookie: reporter.cookie, body: {} });
    expect(json.status).toBe(400);
    // other file fields are not evidence
    const wrongField = await upload(bySlug(own), reporter, files({ field: 'file', bytes: PNG, filename: 'a.png' }));
    expect(wrongField.status).toBe(400);
    expect(await counts()).toEqual(before);
  });
});

describe('downloads', () => {
  let ids: { png: string; pdf: string; text: string; odd: string };
  beforeAll(async () => {
    const res = await upload(
      bySlug(theirs),
      reporter2,
      files({ bytes: PNG, filename: 'a.png' }, { bytes: PDF, filename: 'b.pdf' }, { bytes: TEXT, filename: 'c.txt' }, { bytes: TEXT, filename: 'naïve ✓.txt' }),
    );
    expect(res.status).toBe(200);
    const [png, pdf, text, odd] = res.body.files.map((f: { id: string }) => f.id);
    ids = { png, pdf, text, odd };
  });

  it('streams the exact bytes with the stored type, as an attachment named as uploaded, with nosniff (every download route)', async () => {
    const routes = (id: string) => [`/api/evidence/${id}/download`, `${standalone(theirs)}/${id}`, `${byEvent(theirs)}/${id}/download`];
    for (const [id, bytes, type, name] of [
      [ids.png, PNG, 'image/png', 'a.png'],
      [ids.pdf, PDF, 'application/pdf', 'b.pdf'],
      [ids.text, TEXT, 'text/plain', 'c.txt'],
    ] as const) {
      for (const path of routes(id)) {
        for (const who of [reporter2, responder, admin, superAdmin]) {
          const res = await fetch(`${s.url}/conduct${path}`, { headers: { cookie: who.cookie } });
          expect([path, who.name, res.status]).toEqual([path, who.name, 200]);
          expect(res.headers.get('content-type')).toBe(type);
          expect(res.headers.get('content-disposition')).toBe(`attachment; filename="${name}"`);
          expect(res.headers.get('x-content-type-options')).toBe('nosniff');
          expect(res.headers.get('content-length')).toBe(String(bytes.length));
          expect(Buffer.from(await res.arrayBuffer()).equals(bytes)).toBe(true);
        }
      }
    }
  });

  it('names a non-ASCII file safely: an ASCII fallback and the exact UTF-8 name (RFC 6266)', async () => {
    const res = await fetch(`${s.url}/conduct/api/evidence/${ids.odd}/download`, { headers: { cookie: reporter2.cookie } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-disposition')).toBe(`attachment; filename="na_ve _.txt"; filename*=UTF-8''na%C3%AFve%20%E2%9C%93.txt`);
    // quotes, backslashes and control characters never break the header
    expect(contentDisposition('attachment', 'say "hi"\\\r\nSet-Cookie: x.txt')).toBe('attachment; filename="say \\"hi\\"\\\\Set-Cookie: x.txt"');
    expect(contentDisposition('attachment', '')).toBe('attachment; filename="download"');
  });

  it('answers 401, 403 and 404 as the contract says', async () => {
    const paths = [`/api/evidence/${ids.png}/download`, `${standalone(theirs)}/${ids.png}`, `${byEvent(theirs)}/${ids.png}/download`];
    for (const path of paths) {
      expect([path, (await api(s, 'GET', path)).status]).toEqual([path, 401]);
      for (const who of [reporter, outsider, otherAdmin]) {
        const res = await api(s, 'GET', path, { cookie: who.cookie });
        expect([path, who.name, res.status]).toEqual([path, who.name, 403]);
        expect(res.body).toEqual({ error: 'Forbidden: insufficient role' });
      }
    }
    for (const path of [`/api/evidence/${MISSING}/download`, `/api/evidence/not-a-uuid/download`, `${standalone(theirs)}/${MISSING}`, `${byEvent(theirs)}/${MISSING}/download`]) {
      expect([path, (await api(s, 'GET', path, { cookie: admin.cookie })).status]).toEqual([path, 404]);
    }
    // an evidence file under another report, a report under another event, an unknown event
    const mine = await onePng(own);
    expect((await api(s, 'GET', `${standalone(theirs)}/${mine}`, { cookie: admin.cookie })).status).toBe(404);
    expect((await api(s, 'GET', `${byEvent(theirs)}/${mine}/download`, { cookie: admin.cookie })).status).toBe(404);
    expect((await api(s, 'GET', `${byEvent(elsewhere)}/${mine}/download`, { cookie: superAdmin.cookie })).status).toBe(404);
    expect((await api(s, 'GET', `${byEvent(own, MISSING)}/${mine}/download`, { cookie: superAdmin.cookie })).status).toBe(404);
  });
});

describe('the role matrix', () => {
  const png = () => files({ bytes: PNG, filename: 'p.png' });

  it('upload by slug: the own reporter and staff; others 403; anonymous 401; unknown 404', async () => {
    for (const who of [reporter, responder, admin, superAdmin]) expect([who.name, (await upload(bySlug(own), who, png())).status]).toEqual([who.name, 200]);
    for (const who of [reporter2, outsider, otherAdmin]) expect([who.name, (await upload(bySlug(own), who, png())).status]).toEqual([who.name, 403]);
    expect((await upload(bySlug(own), null, png())).status).toBe(401);
    expect((await upload(bySlug(own, 'no-such-event'), admin, png())).status).toBe(404);
    expect((await upload(bySlug(MISSING), admin, png())).status).toBe(404);
    expect((await upload(bySlug('not-a-uuid'), admin, png())).status).toBe(404);
    expect((await upload(bySlug(elsewhere), superAdmin, png())).status).toBe(404);
    // the /api-less alias of the frontend
    expect((await api(s, 'POST', `/events/slug/${event.slug}/reports/${own}/evidence`, { cookie: reporter.cookie, rawBody: png() })).status).toBe(200);
    // 404 and 403 before the missing file's 400
    expect((await api(s, 'POST', bySlug(own), { cookie: outsider.cookie, body: {} })).status).toBe(403);
    expect((await api(s, 'POST', bySlug(MISSING), { cookie: admin.cookie, body: {} })).status).toBe(404);
  });

  it('upload by event id: staff only (a Reporter, even on their own report, 403)', async () => {
    for (const who of [responder, admin, superAdmin]) expect([who.name, (await upload(byEvent(own), who, png())).status]).toEqual([who.name, 200]);
    for (const who of [reporter, reporter2, outsider, otherAdmin]) expect([who.name, (await upload(byEvent(own), who, png())).status]).toEqual([who.name, 403]);
    expect((await upload(byEvent(own), null, png())).status).toBe(401);
    expect((await upload(byEvent(own, MISSING), superAdmin, png())).status).toBe(404);
    expect((await upload(byEvent(elsewhere), superAdmin, png())).status).toBe(404);
  });

  it('upload by report id: the own reporter and staff (201); others 403; anonymous 401; unknown 404', async () => {
    for (const who of [reporter, responder, admin, superAdmin]) expect([who.name, (await upload(standalone(own), who, png())).status]).toEqual([who.name, 201]);
    for (const who of [reporter2, outsider, otherAdmin]) expect([who.name, (await upload(standalone(own), who, png())).status]).toEqual([who.name, 403]);
    expect((await upload(standalone(own), null, png())).status).toBe(401);
    expect((await upload(standalone(MISSING), superAdmin, png())).status).toBe(404);
  });

  it('lists: the own reporter and staff; others 403; anonymous 401; unknown 404 (all three routes)', async () => {
    for (const path of [bySlug(own), byEvent(own), standalone(own), `/events/slug/${event.slug}/reports/${own}/evidence`]) {
      for (const who of [reporter, responder, admin, superAdmin])
        expect([path, who.name, (await api(s, 'GET', path, { cookie: who.cookie })).status]).toEqual([path, who.name, 200]);
      for (const who of [reporter2, outsider, otherAdmin]) expect([path, who.name, (await api(s, 'GET', path, { cookie: who.cookie })).status]).toEqual([path, who.name, 403]);
      expect([path, (await api(s, 'GET', path)).status]).toEqual([path, 401]);
    }
    for (const path of [bySlug(MISSING), byEvent(MISSING), standalone(MISSING), bySlug(elsewhere), byEvent(own, other.id)]) {
      expect([path, (await api(s, 'GET', path, { cookie: superAdmin.cookie })).status]).toEqual([path, 404]);
    }
  });

  it('delete: staff only on every route (Reporters 403, even their own); then 404 and the bytes are gone', async () => {
    const routes = [(id: string) => `${bySlug(own)}/${id}`, (id: string) => `${byEvent(own)}/${id}`, (id: string) => `${standalone(own)}/${id}`];
    for (const [i, route] of routes.entries()) {
      const id = await onePng(own, reporter);
      for (const who of [reporter, reporter2, outsider, otherAdmin]) {
        const res = await api(s, 'DELETE', route(id), { cookie: who.cookie });
        expect([i, who.name, res.status]).toEqual([i, who.name, 403]);
      }
      expect((await api(s, 'DELETE', route(id))).status).toBe(401);
      const before = await counts();
      const staff = [responder, admin, superAdmin][i];
      const res = await api(s, 'DELETE', route(id), { cookie: staff.cookie });
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ message: 'Evidence file deleted.' });
      expect(await counts()).toEqual({ evidence: before.evidence - 1, stored: before.stored - 1 });
      expect((await api(s, 'DELETE', route(id), { cookie: staff.cookie })).status).toBe(404);
      expect((await api(s, 'GET', `/api/evidence/${id}/download`, { cookie: staff.cookie })).status).toBe(404);
    }
    // the frontend's alias
    const id = await onePng(own);
    expect((await api(s, 'DELETE', `/events/slug/${event.slug}/reports/${own}/evidence/${id}`, { cookie: admin.cookie })).status).toBe(200);
  });

  it('takes the bytes along when the evidence goes with its organization, event and report (SuperAdmin delete)', async () => {
    const org = await seedOrganization(s);
    const doomed = await seedEvent(s, { organizationId: org.id });
    await grantEventRole(s, responder.id, doomed.id, 'Responder');
    const report = await seedReport(s, doomed.id, { reporterId: reporter.id });
    const res0 = await upload(bySlug(report, doomed.slug), responder, files({ bytes: PNG, filename: 'a.png' }, { bytes: PDF, filename: 'b.pdf' }));
    expect(res0.status).toBe(200);
    const ids: string[] = res0.body.files.map((f: { id: string }) => f.id);
    const stored = async () =>
      (await sql<{ n: number }>(s, `select count(*)::int as n from stored_files f join conduct_evidence e on e.file_id = f.id where e.id = any($1::uuid[])`, [ids]))[0].n;
    expect(await stored()).toBe(2);
    const before = await counts();
    const res = await api(s, 'DELETE', `/api/organizations/${org.id}`, { cookie: superAdmin.cookie });
    expect(res.status).toBe(200);
    // both the rows and their bytes are gone; the rest of the evidence is untouched
    expect(await counts()).toEqual({ evidence: before.evidence - 2, stored: before.stored - 2 });
    expect((await api(s, 'GET', `/api/evidence/${ids[0]}/download`, { cookie: superAdmin.cookie })).status).toBe(404);
  });

  it('writes an audit entry for each upload and deletion', async () => {
    const id = await onePng(own);
    await api(s, 'DELETE', `${bySlug(own)}/${id}`, { cookie: admin.cookie });
    const rows = await sql<{ action: string }>(
      s,
      `select action from conduct_audit_logs where target_id = $1 and action like 'report.evidence%' order by created_at desc limit 2`,
      [own],
    );
    expect(rows.map((r) => r.action)).toEqual(['report.evidence_deleted', 'report.evidence_added']);
  });
});

describe('GraphQL', () => {
  it('uploads several files in one multipart request, lists them on the report, refuses a disguised one', async () => {
    const report = await seedReport(s, event.id, { reporterId: reporter.id });
    const send = (parts: Part[]) => {
      const fd = new FormData();
      fd.append(
        'operations',
        JSON.stringify({
          query: 'mutation Up($r: ID!, $f: [Upload!]) { uploadConductEvidence(reportId: $r, files: $f) { filename mimetype size reportId uploader { id } } }',
          variables: { r: report, f: parts.map(() => null) },
        }),
      );
      fd.append('map', JSON.stringify(Object.fromEntries(parts.map((_, i) => [String(i), [`variables.f.${i}`]]))));
      parts.forEach((p, i) => fd.append(String(i), new Blob([new Uint8Array(p.bytes)]), p.filename));
      return fetch(`${s.url}/graphql`, { method: 'POST', headers: { cookie: reporter.cookie, 'apollo-require-preflight': 'true' }, body: fd }).then(
        (r) => r.json() as Promise<{ data?: unknown; errors?: { extensions: { code: string } }[] }>,
      );
    };
    const ok = await send([
      { bytes: PNG, filename: 'g.png' },
      { bytes: TEXT, filename: 'g.txt' },
    ]);
    expect(ok).toEqual({
      data: {
        uploadConductEvidence: [
          { filename: 'g.png', mimetype: 'image/png', size: PNG.length, reportId: report, uploader: { id: reporter.id } },
          { filename: 'g.txt', mimetype: 'text/plain', size: TEXT.length, reportId: report, uploader: { id: reporter.id } },
        ],
      },
    });
    const bad = await send([
      { bytes: PNG, filename: 'h.png' },
      { bytes: TEXT, filename: 'h.pdf' },
    ]);
    expect(bad.errors?.[0].extensions.code).toBe('BAD_USER_INPUT');
    // ConductReport.evidenceFiles, through a query that answers reports (a member's reports, staff)
    const q = await s.gql(
      `query R($slug: String!, $u: ID!) { conductEventUserReports(slug: $slug, userId: $u) { reports { report { id evidenceFiles { filename mimetype } } } } }`,
      { slug: event.slug, u: reporter.id },
      { cookie: responder.cookie },
    );
    expect(q.errors).toBeUndefined();
    const found = (q.data as { conductEventUserReports: { reports: { report: { id: string; evidenceFiles: unknown[] } }[] } }).conductEventUserReports.reports.find(
      (r) => r.report.id === report,
    );
    expect(found?.report.evidenceFiles).toEqual([
      { filename: 'g.png', mimetype: 'image/png' },
      { filename: 'g.txt', mimetype: 'text/plain' },
    ]);
  });

  it('applies the same rules: a Reporter cannot delete, another reporter cannot read, requireStaff refuses a Reporter', async () => {
    const id = await onePng(own, reporter);
    const del = await s.gql('mutation D($id: ID!) { deleteConductEvidence(id: $id) }', { id }, { cookie: reporter.cookie });
    expect(del.errors?.[0].extensions?.code).toBe('FORBIDDEN');
    const read = await s.gql('query E($r: ID!) { conductEvidence(reportId: $r) { id } }', { r: own }, { cookie: reporter2.cookie });
    expect(read.errors?.[0].extensions?.code).toBe('FORBIDDEN');
    const list = await s.gql('query E($r: ID!, $slug: String) { conductEvidence(reportId: $r, slug: $slug) { id } }', { r: own, slug: event.slug }, { cookie: reporter.cookie });
    expect((list.data as { conductEvidence: { id: string }[] }).conductEvidence.map((e) => e.id)).toContain(id);
    const anon = await s.gql('query E($r: ID!) { conductEvidence(reportId: $r) { id } }', { r: own });
    expect(anon.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
  });
});
