import { client, startTestStack, type TestStack } from '../harness/stack';

let t: TestStack;
beforeAll(async () => {
  t = await startTestStack({ PRODUCT_NAME: 'Acme Notes' });
}, 60_000);
afterAll(async () => t?.stop());

test('a signup event for a new contact enrolls them and the welcome email reaches the SMTP server', async () => {
  const call = client(t);
  const contact = await call('POST', '/v1/contacts', {
    id: 'user-1',
    email: 'ada@example.com',
    traits: { first_name: 'Ada' },
  });
  expect(contact.status).toBe(201);

  const started = Date.now();
  const event = await call('POST', '/v1/events', {
    contactId: 'user-1',
    name: 'signup',
    idempotencyKey: 'signup-user-1',
  });
  expect(event.status).toBe(202);
  expect(event.body.enrolled).toEqual(['onboarding']);

  const [mail] = await t.smtp.waitFor((m) => m.some((x) => x.envelopeTo.includes('ada@example.com')), 10_000);
  const elapsed = Date.now() - started;
  expect(mail!.subject).toBe('Welcome to Acme Notes');
  expect(mail!.html).toContain('Ada');
  expect(mail!.text).toContain('Ada');
  expect(mail!.headers['list-unsubscribe']).toMatch(/^<http:\/\/127\.0\.0\.1:\d+\/u\/[\w.-]+>$/);
  expect(mail!.headers['list-unsubscribe-post']).toBe('List-Unsubscribe=One-Click');
  expect(elapsed).toBeLessThan(10_000);

  // The same event again (a client retry) neither stores a second event nor sends a second email.
  const again = await call('POST', '/v1/events', {
    contactId: 'user-1',
    name: 'signup',
    idempotencyKey: 'signup-user-1',
  });
  expect(again.status).toBe(200);
  expect(again.body.status).toBe('duplicate');
  expect(await t.stack.db('events').count({ n: '*' }).first()).toEqual({ n: 1 });

  // The email reaches the SMTP server a moment before the workflow records the send: poll for its state.
  let read = await call('GET', '/v1/contacts/user-1');
  for (let i = 0; i < 100 && read.body.enrollments?.[0]?.state?.waitingFor === undefined; i++) {
    await new Promise((r) => setTimeout(r, 100));
    read = await call('GET', '/v1/contacts/user-1');
  }
  expect(read.status).toBe(200);
  expect(read.body.enrollments).toEqual([expect.objectContaining({ sequenceKey: 'onboarding', status: 'active' })]);
  expect(read.body.enrollments[0].state).toEqual(
    expect.objectContaining({ sends: 1, waitingFor: expect.objectContaining({ event: expect.any(String) }) }),
  );
  expect(t.smtp.to('ada@example.com')).toHaveLength(1);
});

test('an event for an unknown contact is a 404 that names it, and stores nothing', async () => {
  const res = await client(t)('POST', '/v1/events', { contactId: 'nobody', name: 'signup' });
  expect(res.status).toBe(404);
  expect(res.body.error).toContain('nobody');
});

test('bad bodies get a 400 listing every bad field', async () => {
  const res = await client(t)('POST', '/v1/contacts', {
    id: '',
    email: 'not-an-email',
    timezone: 'Mars/Base',
    extra: 1,
  });
  expect(res.status).toBe(400);
  const paths = res.body.problems.map((p: { path: string }) => p.path).sort();
  expect(paths).toEqual(expect.arrayContaining(['email', 'id', 'timezone']));
});
