import { WorkflowUpdateFailedError } from '@temporalio/client';
import { ApprovalStore } from '../../db/stores/approvals';
import { AuditLog } from '../../db/stores/audit';
import { getApprovalWorkflowId } from '../../domain/ids';
import { approvalStatusQuery, approvalWorkflow, decideUpdate } from '../../workflows/approvalWorkflow';
import type { ApprovalWorkflowInput } from '../../workflows/types';
import { uniqueId } from '../harness';
import { CHAIRMAN, ESCALATION, startCampaignHarness, type CampaignHarness } from './campaignHarness';

let h: CampaignHarness;
beforeAll(async () => {
  h = await startCampaignHarness();
}, 60_000);
afterAll(async () => h?.teardown());

const request = (subjectId: string): ApprovalWorkflowInput => ({
  version: 1,
  subjectType: 'influencer_deal',
  subjectId,
  title: 'Deal with @ada',
  summary: 'Three sponsored posts',
  amount: 7500,
  currency: 'EUR',
  requestedBy: 'mia (marketer)',
  details: { posts: 3 },
  ventureName: 'Acme',
  policy: { reminderEvery: 'PT24H', escalateAfter: 'P2D', expireAfter: 'P7D' },
  approvers: [CHAIRMAN],
  escalateTo: [ESCALATION],
});

async function start(subjectId = uniqueId('deal')) {
  return h.env.client.workflow.start(approvalWorkflow, {
    workflowId: getApprovalWorkflowId('influencer_deal', subjectId),
    taskQueue: h.taskQueue,
    args: [request(subjectId)],
  });
}

test('asks the approvers, takes one decision by update, refuses a second, and records both request and decision', async () => {
  const subjectId = uniqueId('deal');
  const handle = await start(subjectId);
  const pending = await h.waitFor(
    () => handle.query(approvalStatusQuery),
    (s) => s.approvalId !== null,
  );
  expect(pending).toMatchObject({ status: 'pending', remindersSent: 0, amount: 7500, requestedBy: 'mia (marketer)' });
  const [asked] = await h.sink.waitFor((m) => m.some((x) => x.subject === 'Approval needed: Deal with @ada'));
  expect(asked!.envelopeTo).toEqual([CHAIRMAN]);
  expect(asked!.text).toContain('7500.00 EUR');
  expect(asked!.text).toContain(`http://localhost:3000/v1/approvals/${pending.approvalId}`);

  const result = await handle.executeUpdate(decideUpdate, {
    args: [{ decision: 'approve', by: 'Charles (chairman)', role: 'chairman', comment: 'Go' }],
  });
  expect(result).toMatchObject({ outcome: 'approved', by: 'Charles (chairman)', comment: 'Go' });

  const second = handle.executeUpdate(decideUpdate, { args: [{ decision: 'reject', by: 'Charles (chairman)' }] });
  await expect(second).rejects.toBeInstanceOf(Error);
  expect(await handle.result()).toMatchObject({ outcome: 'approved', approvalId: pending.approvalId });

  const row = await new ApprovalStore(h.db).get(pending.approvalId!);
  expect(row).toMatchObject({
    status: 'approved',
    decidedBy: 'Charles (chairman)',
    decisionComment: 'Go',
    amount: 7500,
  });
  const actions = (await new AuditLog(h.db).list({ subjectType: 'influencer_deal', subjectId })).map((e) => [
    e.action,
    e.actor,
  ]);
  expect(actions).toEqual([
    ['approval.requested', 'mia (marketer)'],
    ['approval.approved', 'Charles (chairman)'],
  ]);
});

test('a second decision while the first is being recorded is refused by the validator', async () => {
  const handle = await start();
  await h.waitFor(
    () => handle.query(approvalStatusQuery),
    (s) => s.approvalId !== null,
  );
  const [a, b] = await Promise.allSettled([
    handle.executeUpdate(decideUpdate, { args: [{ decision: 'reject', by: 'Charles', comment: 'Too much' }] }),
    handle.executeUpdate(decideUpdate, { args: [{ decision: 'approve', by: 'Charles' }] }),
  ]);
  const outcomes = [a, b].map((r) => r.status);
  expect(outcomes.sort()).toEqual(['fulfilled', 'rejected']);
  const refused = [a, b].find((r): r is PromiseRejectedResult => r.status === 'rejected')!;
  expect(refused.reason).toBeInstanceOf(WorkflowUpdateFailedError);
  expect((refused.reason as WorkflowUpdateFailedError).cause?.message).toMatch(
    /already (rejected|approved) by Charles/,
  );
});

test('reminds every day, escalates after two, and expires after seven days as "expired"', async () => {
  const subjectId = uniqueId('deal');
  const handle = await start(subjectId);
  const result = await handle.result();
  expect(result).toMatchObject({ outcome: 'expired', comment: 'expired' });
  expect(result.by).toBeUndefined();

  const row = (await new ApprovalStore(h.db).list({ subjectId }))[0]!;
  expect(row).toMatchObject({ status: 'expired', remindersSent: 6, decisionComment: 'expired' });
  expect(row.escalatedAt).not.toBeNull();
  expect(row.expiresAt!.getTime() - row.createdAt.getTime()).toBe(7 * 86_400_000);

  const mails = await h.sink.waitFor(
    (m) => m.filter((x) => x.subject.startsWith('Reminder: Deal with @ada')).length >= 6,
  );
  const about = mails.filter((m) => m.text.includes(row.id));
  expect(about.filter((m) => m.subject.startsWith('Reminder:')).map((m) => m.envelopeTo[0])).toEqual(
    Array(6).fill(CHAIRMAN),
  );
  const escalations = about.filter((m) => m.subject === 'Escalated: Deal with @ada');
  expect(escalations.map((m) => m.envelopeTo)).toEqual([[ESCALATION]]);
  expect(escalations[0]!.text).toContain('2 days');

  const actions = (await new AuditLog(h.db).list({ subjectType: 'influencer_deal', subjectId })).map((e) => e.action);
  expect(actions).toEqual(['approval.requested', 'approval.escalated', 'approval.expired']);

  await expect(
    handle.executeUpdate(decideUpdate, { args: [{ decision: 'approve', by: 'Charles' }] }),
  ).rejects.toThrow();
});
