import { chooseVariant } from '../../domain/sequences/split';
import { uniqueId, eventually } from '../harness';
import { client, startTestStack, type TestStack } from '../harness/stack';

let t: TestStack;
beforeAll(async () => {
  t = await startTestStack({ PRODUCT_NAME: 'Acme Notes' });
}, 60_000);
afterAll(async () => t?.stop());

/** A short, valid sequence: a send and then a long wait, so the enrollment stays active. */
function holdingSequence(key: string, overrides: Record<string, unknown> = {}) {
  return {
    key,
    name: `Sequence ${key}`,
    topic: 'onboarding',
    triggers: [{ event: `${key}_start` }],
    steps: [
      { id: 'hello', type: 'send', template: 'welcome', subject: 'Hello from {{product_name}}' },
      { id: 'hold', type: 'wait', duration: 'P1D' },
    ],
    ...overrides,
  };
}

async function createContact(id: string) {
  const res = await client(t)('POST', '/v1/contacts', { id, email: `${id}@example.com` });
  expect(res.status).toBe(201);
  return res.body as { id: string; internalId: string; email: string };
}

async function enrollmentsOf(contactId: string) {
  const res = await client(t, 'operator')('GET', `/v1/contacts/${contactId}/enrollments`);
  expect(res.status).toBe(200);
  return res.body.enrollments as Record<string, any>[];
}

describe('validation', () => {
  const base = (steps: unknown[]) => ({ key: uniqueId('bad').toLowerCase(), name: 'Bad', steps });

  it.each([
    [
      'a missing step reference',
      [
        { id: 'a', type: 'send', template: 'welcome', subject: 'A' },
        { id: 'b', type: 'wait', duration: 'PT1H' },
        { id: 'c', type: 'send', template: 'welcome', subject: 'C', next: 'nowhere' },
      ],
      'steps.2.next',
      /'nowhere', which is no step/,
    ],
    [
      'a loop without a wait',
      [
        { id: 'a', type: 'send', template: 'welcome', subject: 'A' },
        { id: 'b', type: 'send', template: 'first_action', subject: 'B' },
        { id: 'again', type: 'goto', target: 'a' },
      ],
      'steps.2.target',
      /closes a loop .* no wait/,
    ],
    [
      'an unknown template',
      [{ id: 'a', type: 'send', template: 'no_such_template', subject: 'A' }],
      'steps.0.template',
      /no email template 'no_such_template'/,
    ],
    [
      'a subject that is not valid handlebars',
      [
        { id: 'a', type: 'send', template: 'welcome', subject: 'A' },
        { id: 'trial', type: 'send', template: 'welcome', subject: 'Your trial {{#if plan}}ends soon' },
      ],
      'steps.1.subject',
      /step 'trial': the subject cannot be rendered: Parse error/,
    ],
    [
      'a subject calling a helper that does not exist',
      [{ id: 'hi', type: 'send', template: 'welcome', subject: 'Hi {{shout first_name}}' }],
      'steps.0.subject',
      /step 'hi'.*no helper 'shout' \(helpers: date, each, humanize, if, .*or/,
    ],
    [
      'a bad duration',
      [
        { id: 'a', type: 'send', template: 'welcome', subject: 'A' },
        { id: 'pause', type: 'wait', duration: '5 seconds' },
      ],
      'steps.1.duration',
      /step 'pause'.*ISO-8601 duration/,
    ],
  ])('%s is a 400 naming the bad step, and nothing is stored', async (_what, steps, path, message) => {
    const body = base(steps);
    const res = await client(t)('POST', '/v1/sequences', body);
    expect(res.status).toBe(400);
    expect(res.body.error).toBe('invalid sequence definition');
    expect(res.body.problems).toEqual(expect.arrayContaining([{ path, message: expect.stringMatching(message) }]));
    expect((await client(t)('GET', `/v1/sequences/${body.key}`)).status).toBe(404);
  });

  it('a body that is not a sequence at all lists every missing field', async () => {
    const res = await client(t)('POST', '/v1/sequences', { name: 7 });
    expect(res.status).toBe(400);
    expect(res.body.problems.map((p: { path: string }) => p.path)).toEqual(
      expect.arrayContaining(['key', 'name', 'steps']),
    );
  });
});

describe('create, list, read, version, archive', () => {
  it('goes through the life of a sequence, audited, and archived sequences are not triggered', async () => {
    const call = client(t);
    const key = uniqueId('life').toLowerCase();
    const v1 = holdingSequence(key, {
      steps: [
        { id: 'hello', type: 'send', template: 'welcome', subject: 'Hello' },
        { id: 'hold', type: 'wait', duration: 'P1D' },
        { id: 'end', type: 'exit' },
        { id: 'orphan', type: 'send', template: 'welcome', subject: 'Never sent' },
      ],
    });
    const created = await call('POST', '/v1/sequences', v1);
    expect(created.status).toBe(201);
    expect(created.headers.get('location')).toBe(`/v1/sequences/${key}`);
    expect(created.body).toMatchObject({ key, version: 1, archived: false, builtIn: false });
    // Defaults are filled in and stored with the definition.
    expect(created.body.definition).toMatchObject({ category: 'marketing', reentry: { mode: 'never' }, goals: [] });
    expect(created.body.warnings).toEqual([{ path: 'steps.3', message: expect.stringContaining("'orphan'") }]);

    const taken = await call('POST', '/v1/sequences', v1);
    expect(taken.status).toBe(409);
    expect(taken.body.error).toContain(key);

    const list = await call('GET', '/v1/sequences');
    expect(list.status).toBe(200);
    const keys = list.body.sequences.map((s: { key: string }) => s.key);
    expect(keys).toEqual(expect.arrayContaining(['onboarding', 'nurture', 'winback', 'expansion', key]));

    const read = await call('GET', `/v1/sequences/${key}`);
    expect(read.status).toBe(200);
    expect(read.body.versions).toEqual([{ version: 1, createdAt: expect.any(String) }]);

    const mismatch = await call('PUT', `/v1/sequences/${key}`, { ...v1, key: 'other-key' });
    expect(mismatch.status).toBe(400);
    expect(mismatch.body.problems).toEqual([{ path: 'key', message: expect.stringContaining('other-key') }]);
    expect((await call('PUT', '/v1/sequences/no-such-sequence', { ...v1, key: 'no-such-sequence' })).status).toBe(404);
    const badVersion = await call('PUT', `/v1/sequences/${key}`, { ...v1, steps: [{ id: 'x', type: 'goto' }] });
    expect(badVersion.status).toBe(400);
    expect(badVersion.body.problems[0].path).toBe('steps.0.target');

    const v2 = { ...v1, name: 'Renamed', steps: v1.steps.slice(0, 3) };
    const updated = await call('PUT', `/v1/sequences/${key}`, v2);
    expect(updated.status).toBe(200);
    expect(updated.body).toMatchObject({ key, name: 'Renamed', version: 2, warnings: [] });
    expect(updated.body.versions.map((v: { version: number }) => v.version)).toEqual([1, 2]);
    expect(updated.body.runningEnrollments).toMatchObject({ active: 0, byVersion: {} });

    const old = await call('GET', `/v1/sequences/${key}/versions/1`);
    expect(old.status).toBe(200);
    expect(old.body).toMatchObject({ key, version: 1, current: false, definition: { name: `Sequence ${key}` } });
    expect(old.body.definition.steps).toHaveLength(4);
    expect((await call('GET', `/v1/sequences/${key}/versions/2`)).body).toMatchObject({ current: true });
    expect((await call('GET', `/v1/sequences/${key}/versions/3`)).status).toBe(404);
    expect((await call('GET', `/v1/sequences/${key}/versions/two`)).status).toBe(400);

    const archived = await call('DELETE', `/v1/sequences/${key}`);
    expect(archived.status).toBe(200);
    expect(archived.body).toMatchObject({ key, archived: true, alreadyArchived: false });
    const again = await call('POST', `/v1/sequences/${key}/archive`);
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ archived: true, alreadyArchived: true, archivedAt: archived.body.archivedAt });

    const active = (await call('GET', '/v1/sequences')).body.sequences.map((s: { key: string }) => s.key);
    expect(active).not.toContain(key);
    const all = await call('GET', '/v1/sequences?includeArchived=true');
    expect(all.body.sequences.find((s: { key: string }) => s.key === key)).toMatchObject({ archived: true });
    expect((await call('GET', '/v1/sequences?includeArchived=yes')).status).toBe(400);

    // Its trigger event enrolls nobody now, and a hand enrollment is refused.
    const contact = await createContact(uniqueId('arch'));
    const event = await call('POST', '/v1/events', { contactId: contact.id, name: `${key}_start` });
    expect(event.status).toBe(202);
    expect(event.body.enrolled).toEqual([]);
    const manual = await call('POST', `/v1/sequences/${key}/enrollments`, { contactId: contact.id });
    expect(manual.status).toBe(409);
    expect(manual.body.error).toContain('archived');

    const audit = await t.stack
      .db('audit_log')
      .where({ subject_type: 'sequence', subject_id: key })
      .orderBy('id')
      .select('action', 'actor', 'actor_role');
    expect(audit).toEqual([
      { action: 'sequence.created', actor: 'test marketer', actor_role: 'marketer' },
      { action: 'sequence.versioned', actor: 'test marketer', actor_role: 'marketer' },
      { action: 'sequence.archived', actor: 'test marketer', actor_role: 'marketer' },
    ]);

    // Storing a new version of an archived sequence puts it back in service.
    const restored = await call('PUT', `/v1/sequences/${key}`, v2);
    expect(restored.body).toMatchObject({ version: 3, archived: false, archivedAt: null });
  });

  it('a chairman reads sequences but cannot create, change or archive them (403, audited)', async () => {
    const chairman = client(t, 'chairman');
    const key = uniqueId('chair').toLowerCase();
    const res = await chairman('POST', '/v1/sequences', holdingSequence(key));
    expect(res.status).toBe(403);
    expect(res.body.error).toContain('marketer or operator');
    expect((await chairman('PUT', '/v1/sequences/onboarding', { key: 'onboarding' })).status).toBe(403);
    expect((await chairman('DELETE', '/v1/sequences/onboarding')).status).toBe(403);
    expect((await chairman('GET', `/v1/sequences/${key}`)).status).toBe(404);
    expect((await chairman('GET', '/v1/sequences/onboarding')).status).toBe(200);
    const denied = await t.stack.db('audit_log').where({ action: 'access.denied', actor_role: 'chairman' });
    expect(denied.length).toBeGreaterThanOrEqual(3);
  });

  it('an operator may create sequences too', async () => {
    const key = uniqueId('ops').toLowerCase();
    expect((await client(t, 'operator')('POST', '/v1/sequences', holdingSequence(key))).status).toBe(201);
  });
});

describe('hand enrollment and exit', () => {
  it('enrolls a contact by hand, keeps their version across an edit, exits them, and refuses re-entry', async () => {
    const call = client(t);
    const key = uniqueId('hand').toLowerCase();
    expect((await call('POST', '/v1/sequences', holdingSequence(key))).status).toBe(201);
    const contact = await createContact(uniqueId('hand'));

    expect((await call('POST', `/v1/sequences/${key}/enrollments`, { contactId: 'nobody-here' })).status).toBe(404);
    expect((await call('POST', '/v1/sequences/no-such-seq/enrollments', { contactId: contact.id })).status).toBe(404);
    expect((await call('POST', `/v1/sequences/${key}/enrollments`, { contact: contact.id })).status).toBe(400);

    const enrolled = await call('POST', `/v1/sequences/${key}/enrollments`, {
      contactId: contact.id,
      properties: { source: 'sales call' },
    });
    expect(enrolled.status).toBe(201);
    expect(enrolled.body).toMatchObject({
      sequenceKey: key,
      sequenceVersion: 1,
      contactId: contact.id,
      status: 'active',
      workflowId: `seq:${key}:${contact.internalId}`,
    });
    await t.smtp.waitFor(() => t.smtp.to(contact.email).length === 1);
    expect(t.smtp.to(contact.email)[0]!.subject).toBe('Hello from Acme Notes');

    const busy = await call('POST', `/v1/sequences/${key}/enrollments`, { contactId: contact.id });
    expect(busy.status).toBe(409);
    expect(busy.body.error).toContain('already in sequence');

    // A new version does not touch the running enrollment, and the answer says so.
    const edited = await call('PUT', `/v1/sequences/${key}`, { ...holdingSequence(key), name: 'Edited' });
    expect(edited.status).toBe(200);
    expect(edited.body.runningEnrollments).toMatchObject({ active: 1, byVersion: { '1': 1 } });
    expect(edited.body.runningEnrollments.note).toMatch(/keep the version they started on.*version 1.*version 2/);

    const running = await eventually(async () => {
      const [e] = await enrollmentsOf(contact.id);
      return e?.state?.waitingFor ? e : undefined;
    });
    expect(running).toMatchObject({ sequenceKey: key, sequenceVersion: 1, status: 'active' });
    expect(running.state).toMatchObject({ sequenceVersion: 1, currentStep: 'hold', sends: 1, status: 'active' });

    const exit = await call('POST', `/v1/sequences/${key}/enrollments/${contact.id}/exit`, {
      reason: 'asked by phone',
    });
    expect(exit.status).toBe(202);
    expect(exit.body).toMatchObject({ status: 'exiting', reason: 'asked by phone' });
    const ended = await eventually(async () => {
      const [e] = await enrollmentsOf(contact.id);
      return e?.status === 'exited' ? e : undefined;
    });
    expect(ended).toMatchObject({ exitReason: 'asked by phone', endedAt: expect.any(String), currentStep: null });
    expect(ended.state).toBeUndefined();
    const result = await t.stack.temporal.workflow.getHandle(enrolled.body.workflowId).result();
    expect(result).toMatchObject({ outcome: 'exited', sends: 1, reason: 'asked by phone' });

    // Exiting again finds no active enrollment; re-entry is 'never' by default, so enrolling again is refused.
    expect((await call('POST', `/v1/sequences/${key}/enrollments/${contact.id}/exit`)).status).toBe(404);
    const reentry = await call('POST', `/v1/sequences/${key}/enrollments`, { contactId: contact.id });
    expect(reentry.status).toBe(409);
    expect(reentry.body.error).toContain('re-entry is never');
    expect(await enrollmentsOf(contact.id)).toHaveLength(1);
    expect(t.smtp.to(contact.email)).toHaveLength(1);

    const actions = await t.stack
      .db('audit_log')
      .where({ subject_type: 'sequence', subject_id: key })
      .orderBy('id')
      .pluck('action');
    expect(actions).toEqual([
      'sequence.created',
      'sequence.enrollment.started',
      'sequence.versioned',
      'sequence.enrollment.exited',
    ]);
  });

  it('a re-entry delay refuses a second enrollment until it has passed, and says until when', async () => {
    const call = client(t);
    const key = uniqueId('later').toLowerCase();
    const def = holdingSequence(key, { reentry: { mode: 'after', after: 'P30D' } });
    expect((await call('POST', '/v1/sequences', def)).status).toBe(201);
    const contact = await createContact(uniqueId('later'));
    expect((await call('POST', `/v1/sequences/${key}/enrollments`, { contactId: contact.id })).status).toBe(201);
    expect((await call('POST', `/v1/sequences/${key}/enrollments/${contact.id}/exit`, {})).status).toBe(202);
    await eventually(async () => ((await enrollmentsOf(contact.id))[0]?.status === 'exited' ? true : undefined));
    const again = await call('POST', `/v1/sequences/${key}/enrollments`, { contactId: contact.id });
    expect(again.status).toBe(409);
    expect(again.body.error).toMatch(/re-entry allowed after \d{4}-\d\d-\d\dT/);
  });

  it('an unknown contact has no enrollments to list (404)', async () => {
    expect((await client(t)('GET', '/v1/contacts/nobody-at-all/enrollments')).status).toBe(404);
  });
});

describe('stats', () => {
  it('counts enrollments, sends, opens, conversions and revenue overall, per variant and per step', async () => {
    const call = client(t);
    const key = uniqueId('stats').toLowerCase();
    const variants = [
      { key: 'a', weight: 1, next: 'send_a' },
      { key: 'b', weight: 1, next: 'send_b' },
    ];
    const created = await call('POST', '/v1/sequences', {
      key,
      name: 'Stats',
      topic: 'onboarding',
      triggers: [{ event: `${key}_start` }],
      goals: [{ event: `${key}_purchase`, revenueProperty: 'amount' }],
      steps: [
        { id: 'intro', type: 'send', template: 'welcome', subject: 'Intro' },
        { id: 'ab', type: 'split', variants },
        { id: 'send_a', type: 'send', template: 'first_action', subject: 'Variant A', next: 'hold' },
        { id: 'send_b', type: 'send', template: 'next_steps', subject: 'Variant B', next: 'hold' },
        { id: 'hold', type: 'wait', duration: 'P1D' },
      ],
    });
    expect(created.status).toBe(201);

    // The split is a pure function of the contact, so contacts are made until each variant has two.
    type TestContact = Awaited<ReturnType<typeof createContact>>;
    const byVariant: Record<string, TestContact[]> = { a: [], b: [] };
    for (let i = 0; byVariant.a!.length < 2 || byVariant.b!.length < 2; i++) {
      if (i > 40) throw new Error('the split never filled both variants');
      const c = await createContact(uniqueId('st'));
      const chosen = chooseVariant(variants, `${key}:${c.internalId}:ab`).key;
      if (byVariant[chosen]!.length < 2) byVariant[chosen]!.push(c);
    }
    const [a1, a2] = byVariant.a as [TestContact, TestContact];
    const [b1, b2] = byVariant.b as [TestContact, TestContact];
    const everyone = [a1, a2, b1, b2];

    const started = await call('POST', '/v1/events', {
      events: everyone.map((c) => ({ contactId: c.id, name: `${key}_start` })),
    });
    expect(started.status).toBe(202);
    expect(started.body.results.map((r: { enrolled: string[] }) => r.enrolled)).toEqual(everyone.map(() => [key]));
    await t.smtp.waitFor(() => everyone.every((c) => t.smtp.to(c.email).length === 2), 15_000);
    expect(t.smtp.to(a1.email).map((m) => m.subject)).toEqual(['Intro', 'Variant A']);
    expect(t.smtp.to(b1.email).map((m) => m.subject)).toEqual(['Intro', 'Variant B']);

    await call('POST', '/v1/events', { contactId: a1.id, name: `${key}_purchase`, properties: { amount: 30 } });
    await call('POST', '/v1/events', { contactId: b1.id, name: `${key}_purchase`, properties: { amount: 50.5 } });
    expect((await call('POST', `/v1/sequences/${key}/enrollments/${a2.id}/exit`, {})).status).toBe(202);
    await eventually(async () => {
      const ended = await t.stack.db('enrollments').where({ sequence_key: key }).whereNot({ status: 'active' });
      const sent = await t.stack.db('email_outbox').where({ sequence_key: key, status: 'sent' });
      return ended.length === 3 && sent.length === 8 ? true : undefined;
    });
    // A provider that tracks would record these; plain SMTP cannot, so the test plays the provider's webhook.
    await t.stack
      .db('email_outbox')
      .where({ sequence_key: key, step_id: 'send_a', to_email: a1.email })
      .update({ opened_at: new Date(), clicked_at: new Date() });

    const res = await client(t, 'chairman')('GET', `/v1/sequences/${key}/stats`);
    expect(res.status).toBe(200);
    // Our open pixel is in these marketing emails, so an email nobody opened shows 0 opens rather than null.
    expect(res.body).toMatchObject({
      sequenceKey: key,
      from: null,
      to: null,
      overall: {
        enrollments: { total: 4, active: 1, completed: 0, converted: 2, exited: 1, unsubscribed: 0, failed: 0 },
        funnel: expect.objectContaining({ sent: 8, failed: 0, opened: 1, clicked: 1 }),
        conversions: 2,
        conversionRate: 0.5,
        revenue: 80.5,
      },
      variants: [
        {
          variant: 'a',
          enrollments: { total: 2, active: 0, completed: 0, converted: 1, exited: 1, unsubscribed: 0, failed: 0 },
          funnel: expect.objectContaining({ sent: 2, failed: 0, opened: 1, clicked: 1 }),
          conversions: 1,
          conversionRate: 0.5,
          revenue: 30,
        },
        {
          variant: 'b',
          enrollments: { total: 2, active: 1, completed: 0, converted: 1, exited: 0, unsubscribed: 0, failed: 0 },
          funnel: expect.objectContaining({ sent: 2, failed: 0, opened: 0, clicked: 0 }),
          conversions: 1,
          conversionRate: 0.5,
          revenue: 50.5,
        },
      ],
      steps: [
        { stepId: 'intro', funnel: expect.objectContaining({ sent: 4, failed: 0, opened: 0, clicked: 0 }) },
        { stepId: 'send_a', funnel: expect.objectContaining({ sent: 2, failed: 0, opened: 1, clicked: 1 }) },
        { stepId: 'send_b', funnel: expect.objectContaining({ sent: 2, failed: 0, opened: 0, clicked: 0 }) },
      ],
    });
    // The funnel counts messages: the four of the two enrollments that converted count as converted; plain SMTP
    // reports no deliveries, so there is no delivery rate.
    expect(res.body.overall.funnel).toEqual({
      sent: 8,
      delivered: 0,
      opened: 1,
      clicked: 1,
      bounced: 0,
      complained: 0,
      unsubscribed: 0,
      suppressed: 0,
      failed: 0,
      converted: 4,
    });
    expect(res.body.overall.rates).toMatchObject({ openRate: 1 / 8, clickToOpenRate: 1, deliveryRate: null });
    expect(res.body.steps[1].variants).toEqual([expect.objectContaining({ variant: 'a' })]);
    // Summed, as a run across midnight UTC spreads the series over two days.
    const daily = res.body.daily as Record<string, number>[];
    const total = (stage: string) => daily.reduce((n, d) => n + d[stage]!, 0);
    expect(['sent', 'opened', 'clicked', 'converted'].map(total)).toEqual([8, 1, 1, 2]);
    expect(res.body.holdout).toBeNull();

    // A window after everything happened holds nothing.
    const later = await call('GET', `/v1/sequences/${key}/stats?from=${new Date(Date.now() + 60_000).toISOString()}`);
    expect(later.status).toBe(200);
    expect(later.body.overall).toMatchObject({
      enrollments: { total: 0 },
      funnel: { sent: 0 },
      conversionRate: null,
      revenue: 0,
    });
    expect(later.body.variants).toEqual([]);
    expect(later.body.steps).toEqual([]);
    const window = await call(
      'GET',
      `/v1/sequences/${key}/stats?from=${new Date(Date.now() - 3_600_000).toISOString()}&to=${new Date(Date.now() + 1000).toISOString()}`,
    );
    expect(window.body.overall).toMatchObject({ enrollments: { total: 4 }, funnel: { sent: 8 } });

    const backwards = await call('GET', `/v1/sequences/${key}/stats?from=2026-02-01T00:00:00Z&to=2026-01-01T00:00:00Z`);
    expect(backwards.status).toBe(400);
    expect(backwards.body.problems).toEqual([{ path: 'to', message: 'from must be before to' }]);
    expect((await call('GET', `/v1/sequences/${key}/stats?from=yesterday`)).status).toBe(400);
    expect((await call('GET', '/v1/sequences/no-such-seq/stats')).status).toBe(404);
  });
});
