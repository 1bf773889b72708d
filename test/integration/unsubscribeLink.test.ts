import request from 'supertest';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Express } from 'express';
import { ContactStore } from '../../db/stores/contacts';
import { LinkSigner } from '../../infra/signing';
import { createTestApp, connectDevServer, createTestDatabase, uniqueId, type TestDatabase } from '../harness';

const signer = new LinkSigner('unsubscribe-link-test-secret-long-enough-000');

let database: TestDatabase;
let env: TestWorkflowEnvironment;
let app: Express;
let contacts: ContactStore;

beforeAll(async () => {
  database = await createTestDatabase();
  env = await connectDevServer();
  contacts = new ContactStore(database.db);
  app = createTestApp(database.db, env.client, { config: { UNSUBSCRIBE_RATE_LIMIT_PER_MINUTE: 1_000_000 }, signer });
});
afterAll(async () => {
  await env?.teardown();
  await database?.destroy();
});

async function subscriber(): Promise<{ id: string; token: string }> {
  const { contact } = await contacts.upsert({ externalId: uniqueId('reader'), email: 'reader@example.com' });
  return { id: contact.id, token: signer.sign('unsubscribe', contact.id, 60_000) };
}
const unsubscribed = async (id: string) => (await contacts.getById(id))!.unsubscribedAt !== null;

test('a mail scanner that prefetches the link (HEAD, then GET) leaves the contact subscribed and sees a confirmation page', async () => {
  const { id, token } = await subscriber();
  await request(app).head(`/u/${token}`).expect(200);
  expect(await unsubscribed(id)).toBe(false);
  const page = await request(app).get(`/u/${token}`).expect(200);
  expect(await unsubscribed(id)).toBe(false);

  // The page asks for a click: a form that POSTs the one-click field back to this same link, nothing loaded from
  // elsewhere.
  expect(page.headers['content-type']).toMatch(/^text\/html/);
  expect(page.text).toMatch(/<form method="post">/);
  expect(page.text).toContain('<input type="hidden" name="List-Unsubscribe" value="One-Click">');
  expect(page.text).toMatch(/<button type="submit">[^<]+<\/button>/);
  expect(page.text).not.toMatch(/\b(src|href)=/);
  expect(page.headers['cache-control']).toContain('no-store');
});

test('the page’s form (a person clicking the button) unsubscribes and answers with a page', async () => {
  const { id, token } = await subscriber();
  const done = await request(app)
    .post(`/u/${token}`)
    .set('accept', 'text/html,application/xhtml+xml')
    .type('form')
    .send('List-Unsubscribe=One-Click')
    .expect(200);
  expect(done.headers['content-type']).toMatch(/^text\/html/);
  expect(done.text).toContain('You are unsubscribed');
  expect(await unsubscribed(id)).toBe(true);
  // Afterwards the link's page says so and offers no button.
  const again = await request(app).get(`/u/${token}`).expect(200);
  expect(again.text).toContain('already unsubscribed');
  expect(again.text).not.toContain('<form');
  const audit = await database.db('audit_log').where({ action: 'contact.unsubscribed', subject_id: id });
  expect(audit).toHaveLength(1);
});

test('an RFC 8058 one-click POST from a mail client unsubscribes; a POST without the one-click field is a 400 naming it', async () => {
  const { id, token } = await subscriber();
  const bare = await request(app).post(`/u/${token}`).expect(400);
  expect(bare.body).toEqual({
    error: 'invalid request body',
    problems: [{ path: 'List-Unsubscribe', message: 'must be One-Click (RFC 8058)' }],
  });
  await request(app).post(`/u/${token}`).type('form').send('List-Unsubscribe=Yes-Please').expect(400);
  expect(await unsubscribed(id)).toBe(false);
  await request(app)
    .post(`/u/${token}`)
    .type('form')
    .send('List-Unsubscribe=One-Click')
    .expect(200, { unsubscribed: true });
  expect(await unsubscribed(id)).toBe(true);
});

test('a token with a trailing segment is refused on GET and POST, and the contact stays subscribed', async () => {
  const { id, token } = await subscriber();
  for (const tampered of [`${token}.extra`, `${token}.`, `${token}..`]) {
    expect(signer.verify('unsubscribe', tampered)).toBeUndefined();
    const page = await request(app).get(`/u/${tampered}`).expect(400);
    expect(page.text).toContain('not valid');
    expect(page.text).not.toContain('<form');
    await request(app).post(`/u/${tampered}`).type('form').send('List-Unsubscribe=One-Click').expect(400);
  }
  expect(await unsubscribed(id)).toBe(false);
  expect(signer.verify('unsubscribe', token)).toBe(id);
});
