import { emailHash } from '../../db/stores/suppressions';
import { eventually, findEverywhere, uniqueId } from '../harness';
import { client, startTestStack, type TestStack } from '../harness/stack';

let t: TestStack;
beforeAll(async () => {
  t = await startTestStack();
}, 60_000);
afterAll(async () => t?.stop());

test('erasure leaves nothing findable (database, Temporal visibility), and the address is never mailed again', async () => {
  const marketer = client(t);
  const operator = client(t, 'operator');
  const id = uniqueId('erase-me');
  const email = `${id}.Person@Example.com`;
  const created = await marketer('POST', '/v1/contacts', {
    id,
    email,
    phone: '+14155550199',
    smsConsent: { source: 'checkout: text me' },
    traits: { plan: 'pro', city: 'Lyon' },
  });
  const internal: string = created.body.internalId;
  expect(
    (await marketer('POST', '/v1/events', { contactId: id, name: 'signup', properties: { from: 'ad' } })).status,
  ).toBe(202);
  const toPerson = (m: { envelopeTo: string[] }) => m.envelopeTo.some((a) => a.toLowerCase() === email.toLowerCase());
  await t.smtp.waitFor((m) => m.some(toPerson), 15_000);
  const [enrollment] = await t.stack.db('enrollments').where({ contact_id: internal });
  expect((await marketer('POST', `/v1/contacts/${id}/unsubscribe`)).status).toBe(200);
  const segment = uniqueId('seg');
  await t.stack.db('segments').insert({ key: segment, name: 'Erasable', definition: '{}' });
  await t.stack.db('segment_members').insert({ segment_key: segment, contact_id: internal });
  // A temporary manual entry, audited with the address as its subject.
  expect(
    (
      await marketer('POST', '/v1/suppressions', {
        email,
        detail: `asked by ${email}`,
        expiresAt: new Date(Date.now() + 86_400_000).toISOString(),
      })
    ).status,
  ).toBeLessThan(300);

  // The export holds everything, and only an operator may have it.
  expect((await marketer('GET', `/v1/contacts/${id}/export`)).status).toBe(403);
  const exported = await operator('GET', `/v1/contacts/${id}/export`);
  expect(exported.status).toBe(200);
  const doc = exported.body;
  expect(doc.contact).toEqual(expect.objectContaining({ id, internalId: internal, email }));
  expect(doc.traits).toEqual({ plan: 'pro', city: 'Lyon' });
  expect(doc.events.map((e: { name: string }) => e.name)).toEqual(['signup']);
  expect(doc.messages).toEqual([
    expect.objectContaining({ to_email: email, template: expect.any(String), events: expect.any(Array) }),
  ]);
  expect(doc.messages[0].events.length).toBeGreaterThan(0);
  expect(doc.enrollments).toEqual([expect.objectContaining({ workflow_id: enrollment.workflow_id })]);
  expect(doc.subscriptionChanges).toEqual([
    expect.objectContaining({ change: 'unsubscribed', actor: 'test marketer' }),
  ]);
  expect(doc.segments).toEqual([expect.objectContaining({ segment_key: segment })]);
  expect(doc.suppressions).toEqual([expect.objectContaining({ email: email.toLowerCase(), reason: 'manual' })]);

  // Erasure: an operator's alone.
  expect((await marketer('DELETE', `/v1/contacts/${id}`)).status).toBe(403);
  const erased = await operator('DELETE', `/v1/contacts/${id}`);
  expect(erased.status).toBe(200);
  expect(erased.body).toEqual(
    expect.objectContaining({
      erased: true,
      contact: internal,
      events: 1,
      traits: 2,
      enrollments: 1,
      subscriptionChanges: 1,
      segmentMemberships: 1,
      messagesStripped: 1,
      suppression: 'kept as a hash',
    }),
  );
  expect(erased.body.workflowsDeleted).toBeGreaterThanOrEqual(1);
  expect((await operator('GET', `/v1/contacts/${id}`)).status).toBe(404);

  // Nothing in any table names the address or the id; the internal id survives only in the audit log.
  expect(await findEverywhere(t.stack.db, email)).toEqual([]);
  expect(await findEverywhere(t.stack.db, id)).toEqual([]);
  expect(await findEverywhere(t.stack.db, 'Lyon')).toEqual([]);
  // Nor the phone, nor where its SMS consent was given.
  expect(await findEverywhere(t.stack.db, '4155550199')).toEqual([]);
  expect(await findEverywhere(t.stack.db, 'checkout: text me')).toEqual([]);
  expect(await findEverywhere(t.stack.db, internal)).toEqual(['audit_log.subject_id']);
  const [tombstone] = await t.stack.db('audit_log').where({ action: 'contact.erased', subject_id: internal });
  expect(tombstone).toEqual(expect.objectContaining({ actor: 'test operator', actor_role: 'operator' }));
  // The message stays counted for its sequence, stripped.
  const [kept] = await t.stack.db('email_outbox').where({ sequence_key: 'onboarding' }).whereNull('contact_id');
  expect(kept).toEqual(expect.objectContaining({ to_email: '', subject: '' }));
  // The suppression holds as a hash only, for good.
  expect(await t.stack.db('suppressions').where({ email_hash: emailHash(email) })).toEqual([
    expect.objectContaining({ email: null, expires_at: null }),
  ]);

  // The same address signs up again under a new id: the welcome email is refused as suppressed, never sent.
  const again = uniqueId('again');
  await marketer('POST', '/v1/contacts', { id: again, email: email.toUpperCase() });
  expect((await marketer('POST', '/v1/events', { contactId: again, name: 'signup' })).body.enrolled).toEqual([
    'onboarding',
  ]);
  const refused = await eventually(async () => {
    const [row] = await t.stack.db('email_outbox').whereRaw('lower(to_email) = ?', [email.toLowerCase()]);
    return row?.status === 'suppressed' ? row : undefined;
  });
  expect(refused.error).toMatch(/suppressed/);
  expect(t.smtp.to(email)).toHaveLength(1);
  const lookedUp = await marketer('GET', `/v1/suppressions?email=${encodeURIComponent(email)}`);
  expect(lookedUp.body.suppressions).toEqual([expect.objectContaining({ email: `sha256:${emailHash(email)}` })]);
  // Temporal, last, since the server deletes asynchronously: neither visibility nor the execution knows them.
  await eventually(async () => {
    const listed = [];
    for await (const wf of t.stack.temporal.workflow.list({
      query: `ContactId = '${id}' OR ContactId = '${internal}'`,
    }))
      listed.push(wf.workflowId);
    return listed.length === 0 ? true : undefined;
  }, 20_000);
  await expect(
    t.stack.temporal.workflow.getHandle(enrollment.workflow_id, enrollment.run_id).describe(),
  ).rejects.toThrow(/not found/i);
}, 90_000);
