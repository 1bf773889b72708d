import request from 'supertest';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Express } from 'express';
import { ApiKeyStore } from '../../db/stores/apiKeys';
import { InboxStore } from '../../db/stores/inbox';
import { inboxToken } from '../../domain/inboxToken';
import { preferencesUrl } from '../../domain/preferenceLinks';
import { LinkSigner } from '../../infra/signing';
import { connectDevServer, createTestApp, createTestDatabase, uniqueId, type TestDatabase } from '../harness';

const signer = new LinkSigner('inbox-test-signing-secret-long-enough-0000');
const PUBLIC_URL = 'http://localhost:3000';

let database: TestDatabase;
let env: TestWorkflowEnvironment;
let app: Express;
let store: InboxStore;
let key: string;
let readerKey: string;

beforeAll(async () => {
  database = await createTestDatabase();
  env = await connectDevServer();
  app = createTestApp(database.db, env.client, {
    signer,
    taskQueue: uniqueId('inbox'),
    config: { publicUrl: PUBLIC_URL },
  });
  store = new InboxStore(database.db);
  const keys = new ApiKeyStore(database.db);
  key = (await keys.create('inbox marketer', 'marketer')).key;
  readerKey = (await keys.create('inbox chairman', 'chairman')).key;
});
afterAll(async () => {
  await env?.teardown();
  await database?.destroy();
});

const api = (method: 'get' | 'post', path: string, as = key) =>
  request(app)[method](path).set('authorization', `Bearer ${as}`);
/** A call from the browser snippet: the contact's signed token, never an API key. */
const sdk = (method: 'get' | 'post', path: string, token?: string) => {
  const req = request(app)[method](path).set('origin', 'https://app.example.com');
  return token === undefined ? req : req.set('authorization', `Bearer ${token}`);
};

interface Person {
  id: string;
  internalId: string;
}

async function person(): Promise<Person> {
  const id = uniqueId('reader');
  const res = await api('post', '/v1/contacts')
    .send({ id, email: `${id}@example.com` })
    .expect(201);
  return { id, internalId: res.body.internalId as string };
}

/** An in-app message as the send path leaves it: its row in the message log, delivered to the inbox (twice). */
async function message(to: Person, title: string, html = `<p>${title}</p>`): Promise<string> {
  const [row] = await database
    .db('email_outbox')
    .insert({
      idempotency_key: uniqueId('inbox-send'),
      contact_id: to.internalId,
      template: 'in_app_notice',
      to_email: `${to.id}@example.com`,
      subject: title,
      marketing: true,
      status: 'sent',
      channel: 'in_app',
      sent_at: new Date(),
    })
    .returning('id');
  const id = (row as { id: string }).id;
  await store.deliver(database.db, { id, contactId: to.internalId, title, html });
  await store.deliver(database.db, { id, contactId: to.internalId, title: 'a retry', html: '<p>again</p>' });
  return id;
}

const tokenFor = async (p: Person): Promise<string> => {
  const res = await api('post', `/v1/contacts/${p.id}/inbox/token`).expect(200);
  return res.body.token as string;
};

const timelineOf = async (messageId: string) =>
  (await api('get', `/v1/messages/${messageId}`).expect(200)).body.timeline as {
    status: string;
    source: string;
    url?: string;
  }[];

describe('the inbox through the API', () => {
  test('delivering twice stores one message; unread come first, newest first, then read ones', async () => {
    const p = await person();
    const oldest = await message(p, 'Welcome');
    const middle = await message(p, 'Tip of the day');
    const newest = await message(p, 'Your invoice');
    const [stored] = await database.db('inbox_messages').where({ contact_id: p.internalId }).count({ n: '*' });
    expect(Number(stored!.n)).toBe(3);
    await api('post', `/v1/contacts/${p.id}/inbox/${newest}/read`).expect(204);

    const res = await api('get', `/v1/contacts/${p.id}/inbox`).expect(200);
    expect(res.body.unread).toBe(2);
    expect(res.body.messages.map((m: { id: string }) => m.id)).toEqual([middle, oldest, newest]);
    // The first delivery's content stays: a retry of the send does not rewrite the message.
    expect(res.body.messages[1]).toEqual({
      id: oldest,
      title: 'Welcome',
      html: '<p>Welcome</p>',
      createdAt: expect.any(String),
      readAt: null,
      dismissedAt: null,
    });
    expect(res.body.messages[2].readAt).toEqual(expect.any(String));
  });

  test('deliver inside a transaction that rolls back leaves no message', async () => {
    const p = await person();
    const [row] = await database
      .db('email_outbox')
      .insert({
        idempotency_key: uniqueId('inbox-send'),
        contact_id: p.internalId,
        template: 'in_app_notice',
        to_email: `${p.id}@example.com`,
        subject: 'Rolled back',
        status: 'pending',
        channel: 'in_app',
      })
      .returning('id');
    await expect(
      database.db.transaction(async (trx) => {
        await store.deliver(trx, { id: row.id, contactId: p.internalId, title: 'Rolled back', html: '<p>x</p>' });
        throw new Error('the send failed after all');
      }),
    ).rejects.toThrow('the send failed after all');
    expect((await api('get', `/v1/contacts/${p.id}/inbox`).expect(200)).body).toEqual({ unread: 0, messages: [] });
  });

  test('reading twice keeps the first read time; dismissing hides the message unless asked for', async () => {
    const p = await person();
    const id = await message(p, 'Read me');
    const kept = await message(p, 'Keep me');
    await api('post', `/v1/contacts/${p.id}/inbox/${id}/read`).expect(204);
    const first = (await api('get', `/v1/contacts/${p.id}/inbox`).expect(200)).body.messages.find(
      (m: { id: string }) => m.id === id,
    ).readAt;
    await new Promise((r) => setTimeout(r, 20));
    await api('post', `/v1/contacts/${p.id}/inbox/${id}/read`).expect(204);
    const second = (await api('get', `/v1/contacts/${p.id}/inbox`).expect(200)).body.messages.find(
      (m: { id: string }) => m.id === id,
    ).readAt;
    expect(second).toBe(first);

    await api('post', `/v1/contacts/${p.id}/inbox/${kept}/dismiss`).expect(204);
    await api('post', `/v1/contacts/${p.id}/inbox/${kept}/dismiss`).expect(204);
    const shown = await api('get', `/v1/contacts/${p.id}/inbox`).expect(200);
    expect(shown.body).toEqual({ unread: 0, messages: [expect.objectContaining({ id })] });
    const all = await api('get', `/v1/contacts/${p.id}/inbox?includeDismissed=true`).expect(200);
    expect(all.body.messages.map((m: { id: string }) => m.id).sort()).toEqual([id, kept].sort());
    expect(all.body.messages.find((m: { id: string }) => m.id === kept).dismissedAt).toEqual(expect.any(String));
  });

  test("another contact's message is not found, and nothing of it changes", async () => {
    const owner = await person();
    const other = await person();
    const theirs = await message(owner, 'Private');
    for (const action of ['read', 'dismiss']) {
      const res = await api('post', `/v1/contacts/${other.id}/inbox/${theirs}/${action}`).expect(404);
      expect(res.body.error).toBe(`inbox message ${theirs} of contact ${other.id} not found`);
    }
    const still = (await api('get', `/v1/contacts/${owner.id}/inbox`).expect(200)).body;
    expect(still.unread).toBe(1);
    expect(still.messages[0]).toMatchObject({ id: theirs, readAt: null, dismissedAt: null });

    const nobody = await api('get', '/v1/contacts/nobody-at-all/inbox').expect(404);
    expect(nobody.body.error).toBe('contact nobody-at-all not found');
    const junk = await api('post', `/v1/contacts/${owner.id}/inbox/not-a-message/read`).expect(404);
    expect(junk.body.error).toBe(`inbox message not-a-message of contact ${owner.id} not found`);
  });

  test('a read-only role may list the inbox but not change it or mint tokens', async () => {
    const p = await person();
    const id = await message(p, 'Look');
    await api('get', `/v1/contacts/${p.id}/inbox`, readerKey).expect(200);
    await api('post', `/v1/contacts/${p.id}/inbox/${id}/read`, readerKey).expect(403);
    await api('post', `/v1/contacts/${p.id}/inbox/token`, readerKey).expect(403);
  });

  test('a token is minted for a known contact only, and says when it expires', async () => {
    const p = await person();
    const res = await api('post', `/v1/contacts/${p.id}/inbox/token`).expect(200);
    expect(res.body).toEqual({ token: expect.any(String), expiresAt: expect.any(String) });
    const hours = (Date.parse(res.body.expiresAt) - Date.now()) / 3_600_000;
    expect(hours).toBeGreaterThan(23.9);
    expect(hours).toBeLessThanOrEqual(24);
    const missing = await api('post', '/v1/contacts/nobody-at-all/inbox/token').expect(404);
    expect(missing.body.error).toBe('contact nobody-at-all not found');
  });
});

describe('the browser snippet’s routes', () => {
  test('with the contact’s token: list, read, dismiss, and only their own messages', async () => {
    const p = await person();
    const other = await person();
    const first = await message(p, 'First');
    const second = await message(p, 'Second');
    const theirs = await message(other, 'Not yours');
    const token = await tokenFor(p);

    const listed = await sdk('get', '/sdk/v1/inbox', token).expect(200);
    expect(listed.headers['access-control-allow-origin']).toBe('*');
    expect(listed.body.unread).toBe(2);
    expect(listed.body.messages.map((m: { id: string }) => m.id)).toEqual([second, first]);

    await sdk('post', `/sdk/v1/inbox/${first}/read`, token).expect(204);
    await sdk('post', `/sdk/v1/inbox/${second}/dismiss`, token).expect(204);
    const after = await sdk('get', '/sdk/v1/inbox', token).expect(200);
    expect(after.body).toEqual({ unread: 0, messages: [expect.objectContaining({ id: first })] });

    for (const action of ['read', 'dismiss']) {
      const res = await sdk('post', `/sdk/v1/inbox/${theirs}/${action}`, token).expect(404);
      expect(res.body.error).toBe(`inbox message ${theirs} not found`);
    }
    const clicked = await sdk('post', `/sdk/v1/inbox/${theirs}/click`, token)
      .send({ url: 'https://example.com/' })
      .expect(404);
    expect(clicked.body.error).toBe(`inbox message ${theirs} not found`);
    expect((await api('get', `/v1/contacts/${other.id}/inbox`).expect(200)).body.unread).toBe(1);
    expect((await timelineOf(theirs)).filter((e) => e.status === 'opened' || e.status === 'clicked')).toEqual([]);
  });

  test('no token, a tampered, expired or other-purpose token, or an API key: 401 that says why, readable cross-origin', async () => {
    const p = await person();
    const token = await tokenFor(p);
    const tampered = `${token.slice(0, -3)}${token.endsWith('AAA') ? 'BBB' : 'AAA'}`;
    const expired = inboxToken(signer, p.internalId, 60_000, Date.now() - 120_000).token;
    const preferences = preferencesUrl(signer, PUBLIC_URL, p.internalId).slice(`${PUBLIC_URL}/p/`.length);
    const none = await sdk('get', '/sdk/v1/inbox').expect(401);
    expect(none.body.error).toMatch(/Authorization: Bearer/);
    expect(none.headers['access-control-allow-origin']).toBe('*');
    expect(none.headers['www-authenticate']).toContain('Bearer');
    for (const bad of [tampered, expired, preferences, key]) {
      const res = await sdk('get', '/sdk/v1/inbox', bad).expect(401);
      expect(res.body.error).toMatch(/not valid or has expired/);
      expect(res.body.error).not.toContain(bad);
      expect(res.headers['access-control-allow-origin']).toBe('*');
    }
    const id = await message(p, 'Guarded');
    await sdk('post', `/sdk/v1/inbox/${id}/read`, expired).expect(401);
    await sdk('post', `/sdk/v1/inbox/${id}/dismiss`, preferences).expect(401);
    await sdk('post', `/sdk/v1/inbox/${id}/click`, tampered).send({ url: 'https://example.com/' }).expect(401);
    expect((await api('get', `/v1/contacts/${p.id}/inbox`).expect(200)).body.unread).toBe(1);
  });

  test('a read is one "opened" on the message’s timeline however often it is read, through either route', async () => {
    const p = await person();
    const id = await message(p, 'Counted once');
    const token = await tokenFor(p);
    await sdk('post', `/sdk/v1/inbox/${id}/read`, token).expect(204);
    await sdk('post', `/sdk/v1/inbox/${id}/read`, token).expect(204);
    await api('post', `/v1/contacts/${p.id}/inbox/${id}/read`).expect(204);
    const timeline = await timelineOf(id);
    expect(timeline.filter((e) => e.status === 'opened')).toEqual([
      expect.objectContaining({ status: 'opened', source: 'tracking' }),
    ]);
    const view = (await api('get', `/v1/messages/${id}`).expect(200)).body;
    expect(view.status).toBe('opened');
    // The open is also one event of the contact's, which sequences can wait for, as they wait for an email's.
    const events = await database.db('events').where({ contact_id: p.internalId }).select('name', 'properties');
    expect(events).toEqual([
      { name: expect.stringMatching(/\.opened$/), properties: expect.objectContaining({ messageId: id }) },
    ]);
  });

  test('a click is one "clicked" with its url per link, marks the message read, and a bad url is refused', async () => {
    const p = await person();
    const id = await message(p, 'Offer', '<p><a href="https://example.com/offer">See</a></p>');
    const token = await tokenFor(p);
    for (let i = 0; i < 2; i++)
      await sdk('post', `/sdk/v1/inbox/${id}/click`, token).send({ url: 'https://example.com/offer' }).expect(204);
    await sdk('post', `/sdk/v1/inbox/${id}/click`, token).send({ url: 'https://example.com/other' }).expect(204);
    const timeline = await timelineOf(id);
    expect(
      timeline
        .filter((e) => e.status === 'clicked')
        .map((e) => e.url)
        .sort(),
    ).toEqual(['https://example.com/offer', 'https://example.com/other']);
    expect(timeline.filter((e) => e.status === 'opened')).toHaveLength(1);
    expect((await sdk('get', '/sdk/v1/inbox', token).expect(200)).body.unread).toBe(0);

    const bad = await sdk('post', `/sdk/v1/inbox/${id}/click`, token).send({ url: 'javascript:alert(1)' }).expect(400);
    expect(bad.body.problems).toEqual([{ path: 'url', message: expect.stringMatching(/http/) }]);
    await sdk('post', `/sdk/v1/inbox/${id}/click`, token).send({}).expect(400);
  });

  test('a preflight from any origin is answered with the methods and headers the snippet sends', async () => {
    for (const path of ['/sdk/v1/inbox', '/sdk/v1/inbox/00000000-0000-4000-8000-000000000000/click']) {
      const res = await request(app)
        .options(path)
        .set('origin', 'https://app.example.com')
        .set('access-control-request-method', path.endsWith('click') ? 'POST' : 'GET')
        .set('access-control-request-headers', 'authorization, content-type')
        .expect(204);
      expect(res.headers['access-control-allow-origin']).toBe('*');
      expect(res.headers['access-control-allow-methods']).toMatch(/POST/);
      expect(res.headers['access-control-allow-headers']).toMatch(/authorization/i);
      expect(res.headers['access-control-allow-headers']).toMatch(/content-type/i);
      expect(Number(res.headers['access-control-max-age'])).toBeGreaterThan(0);
    }
  });

  test('/sdk/inbox.js is the snippet, served as JavaScript that another site may load, briefly cached', async () => {
    const res = await request(app).get('/sdk/inbox.js').expect(200);
    expect(res.headers['content-type']).toMatch(/^application\/javascript/);
    expect(res.headers['cache-control']).toMatch(/max-age=\d+/);
    expect(res.headers['cross-origin-resource-policy']).toBe('cross-origin');
    const text = res.text || (res.body as Buffer).toString();
    expect(text).toContain('GTMInbox');
    expect(text).not.toMatch(/localStorage|sessionStorage/);
  });

  test('the public routes are limited per address', async () => {
    // Its own address (the app trusts the loopback proxy), so no other test's calls count against it.
    const from = '203.0.113.77';
    const statuses: number[] = [];
    for (let batch = 0; batch < 16; batch++) {
      const res = await Promise.all(
        Array.from({ length: 20 }, () => sdk('get', '/sdk/v1/inbox').set('x-forwarded-for', from)),
      );
      statuses.push(...res.map((r) => r.status));
    }
    expect(statuses.filter((s) => s === 429).length).toBeGreaterThan(0);
    expect(statuses.filter((s) => s !== 429 && s !== 401)).toEqual([]);
    const limited = await sdk('get', '/sdk/v1/inbox').set('x-forwarded-for', from).expect(429);
    expect(limited.headers['retry-after']).toMatch(/^\d+$/);
    expect(limited.headers['access-control-allow-origin']).toBe('*');
    // Another address is not held back.
    await sdk('get', '/sdk/v1/inbox').set('x-forwarded-for', '203.0.113.78').expect(401);
  });
});
