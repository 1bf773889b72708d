import { Worker } from '@temporalio/worker';
import type { Client } from '@temporalio/client';
import { createActivities } from '../../activities';
import { ContactStore, type Contact } from '../../db/stores/contacts';
import { SequenceStore } from '../../db/stores/sequences';
import { sequenceDefinitionSchema } from '../../domain/sequences/definition';
import { getSequenceWorkflowId } from '../../domain/ids';
import { LinkSigner } from '../../infra/signing';
import { createSmtpProvider } from '../../providers/email';
import { EnrollmentService } from '../../services/enrollment';
import { createTimeSkippingEnv } from '../../test/harness';
import { add, type Ctx } from '../lib/context';
import { mapLimit } from '../../services/mapLimit';
import { quantile, sleep, until } from '../lib/util';

/** The run's history and, when it continued as new, the run it handed over to. */
async function runHistory(client: Client, workflowId: string, runId?: string) {
  const history = await client.workflow.getHandle(workflowId, runId).fetchHistory();
  const events = history.events ?? [];
  const last = events.at(-1);
  return {
    events: events.length,
    next: last?.workflowExecutionContinuedAsNewEventAttributes?.newExecutionRunId ?? undefined,
  };
}

/** A fixed-offset zone (no DST) where it is now `hour` o'clock, so the sequences' quiet hours stay out of the way. */
function zoneAtLocalHour(nowMs: number, hour: number): string {
  const offset = ((hour - new Date(nowMs).getUTCHours() + 36) % 24) - 12;
  // Etc/GMT zones are named with the sign reversed: Etc/GMT-5 is UTC+5.
  return offset === 0 ? 'Etc/UTC' : `Etc/GMT${offset > 0 ? '-' : '+'}${Math.abs(offset)}`;
}

/**
 * History cost: events per onboarding enrollment on the live stack (read from the enrollment scenario's
 * workflows); then, on a time-skipping test server with the real activities, one onboarding run to its end and
 * a year of the built-in weekly nurture, whose runs continue as new: the largest run's events and the run count.
 */
export async function historyScenario(ctx: Ctx): Promise<void> {
  const live = ctx.shared.onboardingWorkflowIds ?? [];
  if (live.length > 0) {
    const sample = live.slice(0, ctx.flags.historySample);
    const counts = await mapLimit(sample, 8, async (id) => (await runHistory(ctx.infra.stack.temporal, id)).events);
    add(ctx, {
      scenario: 'history cost',
      figure: 'events per onboarding enrollment, welcome sent, waiting for the profile (live)',
      value: quantile(counts, 0.5),
      unit: 'events',
      note: `median of ${counts.length}; min ${Math.min(...counts)}, max ${Math.max(...counts)}`,
    });
  }

  const ts = await createTimeSkippingEnv();
  const { env } = ts;
  const db = ctx.infra.stack.db;
  const taskQueue = `bench-history-${ctx.runId}`;
  const config = ctx.infra.config;
  const email = createSmtpProvider(ctx.infra.sink.url);
  const worker = await Worker.create({
    connection: env.nativeConnection,
    namespace: 'default',
    taskQueue,
    workflowBundle: { codePath: ctx.infra.productBundlePath },
    activities: createActivities({
      db,
      email,
      signer: new LinkSigner(config.SIGNING_SECRET!),
      mail: {
        from: config.MAIL_FROM,
        productName: config.PRODUCT_NAME,
        companyName: config.PRODUCT_NAME,
        publicUrl: config.publicUrl,
        appUrl: config.appUrl,
        frequencyCap: { max: config.FREQUENCY_CAP, windowMs: config.FREQUENCY_WINDOW_HOURS * 3600_000 },
      },
    }),
  });
  const service = new EnrollmentService(db, env.client, undefined, taskQueue);
  const contacts = new ContactStore(db);
  try {
    await worker.runUntil(async () => {
      const zone = zoneAtLocalHour(await env.currentTimeMs(), 10);
      const person = async (name: string): Promise<Contact> =>
        (
          await contacts.upsert({
            externalId: `${name}-${ctx.runId}`,
            email: `${name}-${ctx.runId}@bench.test`,
            timezone: zone,
            traits: { first_name: name, company_size: 10 },
          })
        ).contact;
      const lead = await person('year-of-nurture');
      const signup = await person('whole-onboarding');
      const send = async (c: Contact, name: string) =>
        service.ingest([
          { contact: c, contactId: c.id, name, properties: {}, occurredAt: new Date(await env.currentTimeMs()) },
        ]);
      await send(lead, 'lead_captured');
      await send(signup, 'signup');
      await ctx.mail.forAll([lead.email, signup.email], 1, 60_000);

      // What one send step adds to a history: sequences of one and of three sends before a month's wait.
      const sendsThenWait = async (sends: number): Promise<number> => {
        const key = `bench-sends-${sends}-${ctx.runId}`.toLowerCase();
        await new SequenceStore(db).create(
          sequenceDefinitionSchema.parse({
            key,
            name: `${sends} sends, then a wait`,
            triggers: [{ event: key }],
            steps: [
              ...Array.from({ length: sends }, (_, i) => ({
                id: `send_${i}`,
                type: 'send',
                template: 'welcome',
                subject: `Send ${i}`,
              })),
              { id: 'month', type: 'wait', duration: 'P30D' },
            ],
          }),
        );
        const c = await person(key);
        await send(c, key);
        await ctx.mail.forAll([c.email], sends, 60_000);
        const handle = env.client.workflow.getHandle(getSequenceWorkflowId(key, c.id));
        let events = 0;
        await until(
          'asleep after the sends',
          async () => {
            const history = (await handle.fetchHistory()).events ?? [];
            events = history.length;
            return history.at(-1)?.timerStartedEventAttributes != null;
          },
          30_000,
        );
        return events;
      };
      const one = await sendsThenWait(1);
      const three = await sendsThenWait(3);
      add(ctx, {
        scenario: 'history cost',
        figure: 'events per send step (a sequence of three sends against one of one, each then asleep)',
        value: (three - one) / 2,
        unit: 'events',
        note: `one send: ${one} events in all; three sends: ${three}`,
      });

      // A year in four-week steps, letting the worker catch up between them as the product's tests do.
      for (let week = 0; week < 52; week += 4) {
        await env.sleep('28d');
        await sleep(300);
      }
      await env.sleep('2d');
      await ctx.mail.forAll([lead.email], 52, 120_000);

      const onboardingId = getSequenceWorkflowId('onboarding', signup.id);
      const outcome = await env.client.workflow.getHandle(onboardingId).result();
      const onboarding = await runHistory(env.client, onboardingId);
      add(ctx, {
        scenario: 'history cost',
        figure: 'events of a whole onboarding enrollment (welcome, tip after 24 h, ends after 14 d)',
        value: onboarding.events,
        unit: 'events',
        note: `outcome ${outcome.outcome}, ${outcome.sends} emails; time-skipping test server`,
      });

      const nurtureId = getSequenceWorkflowId('nurture', lead.id);
      const enrollment = await db('enrollments').where({ workflow_id: nurtureId }).first();
      const runs: number[] = [];
      let runId: string | undefined = enrollment.run_id;
      while (runId) {
        const run = await runHistory(env.client, nurtureId, runId);
        runs.push(run.events);
        runId = run.next;
      }
      const emails = ctx.mail.arrivals(lead.email).length;
      add(ctx, {
        scenario: 'history cost',
        figure: 'largest run of a year-long weekly nurture',
        value: Math.max(...runs),
        unit: 'events',
        note: `${runs.length} runs (continue-as-new), ${runs.join(' + ')} events, ${emails} emails in the year`,
      });
      add(ctx, {
        scenario: 'history cost',
        figure: 'runs of a year-long weekly nurture',
        value: runs.length,
        unit: 'runs',
      });
      ctx.say(`history: nurture year in ${runs.length} runs, largest ${Math.max(...runs)} events`);
    });
  } finally {
    await ts.teardown();
    await email.close();
  }
}
