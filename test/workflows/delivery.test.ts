import { createActivities } from '../../activities';
import { installBuiltinSequences } from '../../db/builtinSequences';
import { ContactStore } from '../../db/stores/contacts';
import { getSequenceWorkflowId } from '../../domain/ids';
import { createSmtpProvider } from '../../providers/email';
import { EnrollmentService } from '../../services/enrollment';
import { connectDevServer, createTestDatabase, createTestWorker, startSmtpSink, uniqueId } from '../harness';
import { signer, startSequenceHarness, type SequenceHarness } from './sequenceHarness';

describe('frequency cap and failures (time-skipping)', () => {
  let h: SequenceHarness;
  beforeAll(async () => {
    h = await startSequenceHarness({ frequencyCap: 1, rejectRecipients: ['bounce@example.com'] });
    await h.define({
      key: 'announcements',
      name: 'Feature announcement',
      triggers: [{ event: 'feature_announced' }],
      reentry: { mode: 'always' },
      steps: [
        { id: 'announce', type: 'send', template: 'nurture_intro', subject: 'Something new in {{product_name}}' },
      ],
    });
  });
  afterAll(async () => h?.teardown());

  test('a send over the cap, from another sequence, waits for the window to free up; it is never dropped', async () => {
    const c = await h.contact();
    await h.send(c, 'signup');
    await h.sink.waitFor(() => h.subjects(c).length === 1);
    await h.send(c, 'feature_announced');
    const deferred = await h.eventually(async () =>
      h.db('email_outbox').where({ contact_id: c.id, sequence_key: 'announcements' }).first(),
    );
    expect(deferred.status).toBe('deferred');
    expect(h.subjects(c)).toEqual(['Welcome to Acme Notes']);

    await h.env.sleep('22h');
    await h.settle();
    expect(h.subjects(c)).toHaveLength(1);
    await h.env.sleep('3h');
    await h.sink.waitFor(() => h.subjects(c).length === 2);
    expect(h.subjects(c)[1]).toBe('Something new in Acme Notes');
    const sent = await h.db('email_outbox').where({ contact_id: c.id, sequence_key: 'announcements' }).first();
    expect(sent.status).toBe('sent');
  });

  test('a permanently refused address is recorded as failed once, and the sequence goes on', async () => {
    const contacts = new ContactStore(h.db);
    const { contact: c } = await contacts.upsert({ externalId: uniqueId('bounce'), email: 'bounce@example.com' });
    await h.send(c, 'signup');
    const row = await h.eventually(async () => {
      const r = await h.db('email_outbox').where({ contact_id: c.id }).first();
      return r?.status === 'failed' ? r : undefined;
    });
    expect(row).toEqual(expect.objectContaining({ status: 'failed', attempts: 1 }));
    expect(row.error).toContain('550');
    const state = await h.eventually(async () => {
      const st = await h.state('onboarding', c);
      return st.currentStep === 'wait_profile' ? st : undefined;
    });
    expect(state.sends).toBe(0);
  });

  test('while the SMTP server refuses mail for a while, sends retry with backoff and then arrive once', async () => {
    const c = await h.contact();
    h.sink.refuse = true;
    await h.send(c, 'signup');
    // The first attempts fail with 451, and are retried after 2 s, then 4 s.
    const during = await h.eventually(async () => {
      const r = await h.db('email_outbox').where({ contact_id: c.id }).first();
      return r?.attempts >= 2 ? r : undefined;
    });
    expect(during.status).toBe('pending'); // delayed, not failed
    expect(during.attempts).toBeGreaterThanOrEqual(2);
    h.sink.refuse = false;
    await h.sink.waitFor(() => h.subjects(c).length === 1, 20_000);
    await h.settle(500);
    expect(h.subjects(c)).toEqual(['Welcome to Acme Notes']);
    expect((await h.db('email_outbox').where({ contact_id: c.id }).first()).status).toBe('sent');
  }, 40_000);
});

test('exactly once: the activity fails after the SMTP server accepted the message, and the retry does not send again', async () => {
  // On the full dev server, which keeps an activity's last heartbeat across its failure.
  const env = await connectDevServer();
  const database = await createTestDatabase();
  const sink = await startSmtpSink();
  const email = createSmtpProvider(sink.url);
  const db = database.db;
  try {
    await installBuiltinSequences(db);
    // The database refuses the first "mark as sent", after nodemailer got the SMTP server's 250.
    await db.raw(`CREATE SEQUENCE fail_once_seq`);
    await db.raw(`CREATE FUNCTION fail_first_mark_sent() RETURNS trigger AS $$
      BEGIN
        IF nextval('fail_once_seq') = 1 THEN RAISE EXCEPTION 'injected failure after the SMTP server accepted'; END IF;
        RETURN NEW;
      END $$ LANGUAGE plpgsql`);
    await db.raw(`CREATE TRIGGER fail_mark_sent BEFORE UPDATE ON email_outbox FOR EACH ROW WHEN (NEW.status = 'sent')
      EXECUTE FUNCTION fail_first_mark_sent()`);
    const taskQueue = uniqueId('once');
    const worker = await createTestWorker(env, {
      taskQueue,
      activities: createActivities({
        db,
        email,
        signer,
        mail: {
          from: 'a@acme.test',
          productName: 'Acme',
          companyName: 'Acme',
          publicUrl: 'http://localhost',
          appUrl: 'http://localhost',
          frequencyCap: { max: 10, windowMs: 3600_000 },
        },
      }),
    });
    await worker.runUntil(async () => {
      const { contact } = await new ContactStore(db).upsert({
        externalId: uniqueId('once'),
        email: 'once@example.com',
      });
      await new EnrollmentService(db, env.client, undefined, taskQueue).ingest([
        { contact, contactId: contact.id, name: 'signup', properties: {}, occurredAt: new Date() },
      ]);
      await sink.waitFor((m) => m.length === 1);
      // Wait until the retry has recorded the send, then make sure nothing more arrived.
      const deadline = Date.now() + 15_000;
      while ((await db('email_outbox').where({ contact_id: contact.id }).first())?.status !== 'sent') {
        if (Date.now() > deadline) throw new Error('the send was never recorded');
        await new Promise((r) => setTimeout(r, 100));
      }
      const row = await db('email_outbox').where({ contact_id: contact.id }).first();
      expect(row.attempts).toBe(1); // the retry found the acceptance and did not claim a new attempt
      expect(row.error).toBeNull();
      const history = await env.client.workflow
        .getHandle(getSequenceWorkflowId('onboarding', contact.id))
        .fetchHistory();
      const failed = history.events!.filter(
        (e) => e.activityTaskStartedEventAttributes?.attempt && e.activityTaskStartedEventAttributes.attempt > 1,
      );
      expect(failed.length).toBeGreaterThan(0); // the activity really was retried
      expect(sink.count).toBe(1);
    });
  } finally {
    await email.close();
    await sink.stop();
    await database.destroy();
    await env.teardown();
  }
}, 60_000);
