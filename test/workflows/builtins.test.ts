import { getSequenceWorkflowId } from '../../domain/ids';
import { startSequenceHarness, type SequenceHarness } from './sequenceHarness';

// Nurture, winback and expansion end to end on a time-skipping server, through each branch.
let h: SequenceHarness;
beforeAll(async () => {
  h = await startSequenceHarness();
});
afterAll(async () => h?.teardown());

/** A fixed-offset zone (no DST) where the local hour is now `hour`, so quiet hours are on or off by choice. */
async function zoneAtLocalHour(hour: number): Promise<{ zone: string; offsetHours: number }> {
  const utcHour = new Date(await h.env.currentTimeMs()).getUTCHours();
  const offsetHours = ((hour - utcHour + 36) % 24) - 12; // -12..+11
  // Etc/GMT zones are named with the sign reversed: Etc/GMT-5 is UTC+5.
  return {
    zone: offsetHours === 0 ? 'Etc/UTC' : `Etc/GMT${offsetHours > 0 ? '-' : '+'}${Math.abs(offsetHours)}`,
    offsetHours,
  };
}

describe('nurture', () => {
  test('quiet hours: a lead captured at 23:00 local time gets the first email at 08:00 local, not before', async () => {
    const { zone, offsetHours } = await zoneAtLocalHour(23);
    const c = await h.contact({}, zone);
    await h.send(c, 'lead_captured');
    const waiting = await h.eventually(async () => (await h.state('nurture', c)).waitingFor);
    expect(h.subjects(c)).toEqual([]);
    const until = new Date(waiting.until);
    expect((until.getUTCHours() + offsetHours + 24) % 24).toBe(8);
    expect(until.getUTCMinutes()).toBe(0);

    await h.env.sleep(until.getTime() - (await h.env.currentTimeMs()) - 60_000);
    await h.settle();
    expect(h.subjects(c)).toEqual([]); // a minute before 08:00
    await h.env.sleep('2m');
    await h.sink.waitFor(() => h.subjects(c).length === 1);
    expect(h.sink.to(c.email)[0]!.subject).toMatch(/./);
  });

  test('the intro subject is an A/B split recorded on the enrollment; the lesson follows the branch on company size', async () => {
    const { zone } = await zoneAtLocalHour(10);
    const big = await h.contact({ company_size: 120 }, zone);
    const small = await h.contact({ company_size: 3, role: 'engineer' }, zone);
    for (const c of [big, small]) await h.send(c, 'newsletter_subscribed');
    await h.sink.waitFor(() => h.subjects(big).length === 1 && h.subjects(small).length === 1);
    await h.env.sleep('7d');
    await h.sink.waitFor(() => h.subjects(big).length === 2 && h.subjects(small).length === 2);
    const lessons = [big, small].map((c) => h.sink.to(c.email)[1]!);
    expect(lessons[0]!.subject).not.toEqual(lessons[1]!.subject);
    // The nurture enrollments' own (another sequence may enroll these contacts during the seven days).
    const variants = await h
      .db('enrollments')
      .where({ sequence_key: 'nurture' })
      .whereIn('contact_id', [big.id, small.id])
      .pluck('variant');
    expect(variants).toHaveLength(2);
    for (const v of variants) expect(['practical', 'curious']).toContain(v);
    const outbox = await h.db('email_outbox').where({ contact_id: big.id, step_id: 'lesson_team' });
    expect(outbox).toHaveLength(1);
    expect(await h.db('email_outbox').where({ contact_id: small.id, step_id: 'lesson_solo' })).toHaveLength(1);
  });

  test("a year of weekly nurture continues as new and keeps every run's history bounded", async () => {
    const { zone } = await zoneAtLocalHour(10);
    const c = await h.contact({ company_size: 10 }, zone);
    await h.send(c, 'lead_captured');
    await h.sink.waitFor(() => h.subjects(c).length === 1);
    for (let week = 0; week < 52; week += 13) {
      await h.env.sleep('91d');
      await h.settle(300);
    }
    await h.sink.waitFor(() => h.subjects(c).length >= 50, 30_000);
    const workflowId = getSequenceWorkflowId('nurture', c.id);
    const enrollment = await h.db('enrollments').where({ workflow_id: workflowId }).first();
    const first = await h.env.client.workflow.getHandle(workflowId, enrollment.run_id).describe();
    expect(first.status.name).toBe('CONTINUED_AS_NEW');
    const current = await h.env.client.workflow.getHandle(workflowId).describe();
    expect(current.runId).not.toBe(enrollment.run_id);
    expect(current.status.name).toBe('RUNNING');
    for (const runId of [enrollment.run_id, current.runId]) {
      const history = await h.env.client.workflow.getHandle(workflowId, runId).fetchHistory();
      expect(history.events!.length).toBeLessThan(700);
    }
    // Sends are counted across runs, and one email per week went out: nothing lost or doubled at the seams.
    expect((await h.state('nurture', c)).sends).toBe(h.subjects(c).length);
    const keys = await h.db('email_outbox').where({ contact_id: c.id }).pluck('idempotency_key');
    expect(new Set(keys).size).toBe(keys.length);
    expect(h.subjects(c).length).toBeGreaterThanOrEqual(52);
    expect(h.subjects(c).length).toBeLessThanOrEqual(54);
    await h.recordHistory('nurture', c, 'nurture-first-weeks');
  }, 90_000);
});

describe('winback', () => {
  test('the offer, a reminder after 3 days without a login, then the last chance; a login after that converts', async () => {
    const { zone } = await zoneAtLocalHour(11);
    const c = await h.contact({ discount_code: 'COMEBACK20' }, zone);
    expect((await h.send(c, 'churn_risk_high', { risk: 0.83 })).enrolled).toEqual(['winback']);
    await h.sink.waitFor(() => h.subjects(c).length === 1);
    expect(h.sink.to(c.email)[0]!.text).toContain('COMEBACK20');
    await h.env.sleep('3d');
    await h.sink.waitFor(() => h.subjects(c).length === 2);
    await h.env.sleep('4d');
    await h.sink.waitFor(() => h.subjects(c).length === 3);
    expect(h.subjects(c)[2]).toBe('Last chance: your offer ends soon');
    await h.env.sleep('1d');
    await h.send(c, 'login');
    const result = await h.handle('winback', c).result();
    expect(result.outcome).toBe('converted');
    await h.recordHistory('winback', c, 'winback-late-login');
  });

  test('re-entry after 90 days: refused within the period, allowed after it', async () => {
    const c = await h.contact();
    await h.send(c, 'inactive_30d');
    await h.send(c, 'login'); // converts at once
    await h.handle('winback', c).result();
    expect((await h.send(c, 'inactive_30d')).enrolled).toEqual([]);
    // The rule reads the enrollment's date: move it 91 days into the past.
    await h
      .db('enrollments')
      .where({ contact_id: c.id })
      .update({ enrolled_at: h.db.raw(`enrolled_at - interval '91 days'`) });
    expect((await h.send(c, 'inactive_30d')).enrolled).toEqual(['winback']);
    expect(await h.db('enrollments').where({ contact_id: c.id }).count({ n: '*' }).first()).toEqual({ n: 2 });
  });
});

describe('expansion', () => {
  test('over 90% of a limit and working alone: the upgrade prompt, then the invite-team prompt', async () => {
    const { zone } = await zoneAtLocalHour(9);
    const c = await h.contact({ team_size: 1 }, zone);
    await h.send(c, 'usage_threshold_reached', { metric: 'projects', percent: 95 });
    const result = await h.handle('expansion', c).result();
    expect(result.outcome).toBe('completed');
    expect(h.subjects(c)).toHaveLength(2);
    const steps = await h.db('email_outbox').where({ contact_id: c.id }).orderBy('created_at').pluck('step_id');
    expect(steps).toEqual(['upgrade_prompt', 'invite_team']);
    await h.recordHistory('expansion', c, 'expansion-upgrade-alone');
  });

  test('at half of a limit in a team: usage tips only; an upgrade converts with its revenue', async () => {
    const { zone } = await zoneAtLocalHour(14);
    const c = await h.contact({ team_size: 6 }, zone);
    await h.send(c, 'usage_threshold_reached', { metric: 'seats', percent: 50 });
    await h.sink.waitFor(() => h.subjects(c).length === 1);
    expect(await h.db('email_outbox').where({ contact_id: c.id }).pluck('step_id')).toEqual(['usage_tips']);
    await h.send(c, 'plan_upgraded', { amount: 240 });
    const result = await h.handle('expansion', c).result();
    expect(result).toEqual(expect.objectContaining({ outcome: 'converted', revenue: 240 }));
  });
});
