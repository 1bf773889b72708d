import { ApplicationFailure } from '@temporalio/common';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import supertest from 'supertest';
import { ApiKeyStore } from '../../db/stores/apiKeys';
import { ApprovalStore } from '../../db/stores/approvals';
import { AuditLog } from '../../db/stores/audit';
import { getApprovalWorkflowId } from '../../domain/ids';
import { LinkSigner } from '../../infra/signing';
import { signDecision } from '../../services/approvalDecisions';
import { approvalStatusQuery, approvalWorkflow, decideUpdate } from '../../workflows/approvalWorkflow';
import type { ApprovalWorkflowInput } from '../../workflows/types';
import { createTestApp, uniqueId } from '../harness';
import { CHAIRMAN, ESCALATION, signer, startCampaignHarness, type CampaignHarness } from './campaignHarness';

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
  // The amount with its currency's symbol and thousands separator, the deadline as a date a person reads, in UTC.
  expect(asked!.text).toContain('Amount: €7,500.00');
  expect(asked!.text).not.toContain('7500.00');
  const expires = new Date(pending.expiresAt);
  const month = [
    'January',
    'February',
    'March',
    'April',
    'May',
    'June',
    'July',
    'August',
    'September',
    'October',
    'November',
    'December',
  ][expires.getUTCMonth()];
  const hhmm = [expires.getUTCHours(), expires.getUTCMinutes()].map((n) => String(n).padStart(2, '0')).join(':');
  expect(asked!.text).toContain(
    `Please decide by ${expires.getUTCDate()} ${month} ${expires.getUTCFullYear()}, ${hhmm} UTC;`,
  );
  expect(asked!.text).not.toContain(pending.expiresAt);
  expect(asked!.text).toContain(`http://localhost:3000/approvals/${pending.approvalId}`);

  const result = await handle.executeUpdate(decideUpdate, {
    args: [
      signDecision(signer, handle.workflowId, {
        decision: 'approve',
        by: 'Charles (chairman)',
        role: 'chairman',
        comment: 'Go',
      }),
    ],
  });
  expect(result).toMatchObject({ outcome: 'approved', by: 'Charles (chairman)', comment: 'Go' });

  const second = handle.executeUpdate(decideUpdate, {
    args: [signDecision(signer, handle.workflowId, { decision: 'reject', by: 'Charles (chairman)', role: 'chairman' })],
  });
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

test('a second decision while the first is being checked or recorded is refused by the validator', async () => {
  const handle = await start();
  await h.waitFor(
    () => handle.query(approvalStatusQuery),
    (s) => s.approvalId !== null,
  );
  const [a, b] = await Promise.allSettled([
    handle.executeUpdate(decideUpdate, {
      args: [
        signDecision(signer, handle.workflowId, {
          decision: 'reject',
          by: 'Charles',
          role: 'chairman',
          comment: 'Too much',
        }),
      ],
    }),
    handle.executeUpdate(decideUpdate, {
      args: [signDecision(signer, handle.workflowId, { decision: 'approve', by: 'Charles', role: 'chairman' })],
    }),
  ]);
  const outcomes = [a, b].map((r) => r.status);
  expect(outcomes.sort()).toEqual(['fulfilled', 'rejected']);
  const refused = [a, b].find((r): r is PromiseRejectedResult => r.status === 'rejected')!;
  expect(refused.reason).toBeInstanceOf(WorkflowUpdateFailedError);
  expect((refused.reason as WorkflowUpdateFailedError).cause?.message).toMatch(
    /already (rejected|approved) by Charles|another decision on this request is being made/,
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
    handle.executeUpdate(decideUpdate, {
      args: [signDecision(signer, handle.workflowId, { decision: 'approve', by: 'Charles', role: 'chairman' })],
    }),
  ).rejects.toThrow();
});

test('a decision sent straight to Temporal without a valid proof is refused and the request stays pending; the API still decides', async () => {
  const subjectId = uniqueId('deal');
  const handle = await start(subjectId);
  const { approvalId } = await h.waitFor(
    () => handle.query(approvalStatusQuery),
    (s) => s.approvalId !== null,
  );
  const id = handle.workflowId;
  const approve = { decision: 'approve', by: 'x', role: 'chairman' } as const;
  const forged: Array<[string, Record<string, unknown>]> = [
    // What `temporal workflow update execute --name decide --input '{...}'` sends.
    ['no proof', approve],
    ['a made-up proof', { ...approve, proof: 'e30.zzzz.bm90LWEtbWFj' }],
    ['signed with another secret', signDecision(new LinkSigner('not-the-servers-secret-0000000000000'), id, approve)],
    [
      'a valid proof for another request',
      signDecision(signer, getApprovalWorkflowId('influencer_deal', 'other'), approve),
    ],
    [
      'a valid proof for a rejection',
      { ...signDecision(signer, id, { ...approve, decision: 'reject' }), decision: 'approve' },
    ],
    ['a valid proof naming someone else', { ...signDecision(signer, id, { ...approve, by: 'Charles' }), by: 'x' }],
    ['a valid proof of a marketer', signDecision(signer, id, { ...approve, role: 'marketer' })],
    ['an expired proof', signDecision(signer, id, approve, Date.now() - 10 * 60_000)],
  ];
  for (const [why, body] of forged) {
    const outcome = await h.env.client.workflow
      .getHandle(id)
      .executeUpdate('decide', { args: [body] })
      .then(
        (result) => ({ accepted: result }),
        (err: unknown) => err,
      );
    expect([why, outcome]).toEqual([why, expect.any(WorkflowUpdateFailedError)]);
    const cause = (outcome as WorkflowUpdateFailedError).cause;
    expect([why, cause instanceof ApplicationFailure && cause.type]).toEqual([why, 'InvalidDecisionProof']);
  }
  expect(await handle.query(approvalStatusQuery)).toMatchObject({ status: 'pending' });
  expect(await new ApprovalStore(h.db).get(approvalId!)).toMatchObject({ status: 'pending', decidedBy: null });

  // The chairman, through the API, which signs the decision with the secret the workers share. An API whose
  // secret is not the workers' cannot decide either, and says it is misconfigured instead of blaming the request.
  const appWith = (apiSigner: LinkSigner) => createTestApp(h.db, h.env.client, { signer: apiSigner });
  const { key } = await new ApiKeyStore(h.db).create(uniqueId('chair'), 'chairman');
  const decide = (apiSigner: LinkSigner) =>
    supertest(appWith(apiSigner))
      .post(`/v1/approvals/${approvalId}/decision`)
      .set('authorization', `Bearer ${key}`)
      .send({ decision: 'approve', comment: 'Signed' });
  const misconfigured = await decide(new LinkSigner('not-the-workers-secret-00000000000000'));
  expect([misconfigured.status, misconfigured.body.error]).toEqual([500, expect.stringMatching(/misconfigured/)]);
  expect(await handle.query(approvalStatusQuery)).toMatchObject({ status: 'pending' });
  const decided = await decide(signer);
  expect(decided.status).toBe(200);
  expect(decided.body).toMatchObject({ outcome: 'approved', comment: 'Signed', approval: { status: 'approved' } });
  expect(await handle.result()).toMatchObject({ outcome: 'approved', comment: 'Signed' });
  const actions = (await new AuditLog(h.db).list({ subjectType: 'influencer_deal', subjectId })).map((e) => [
    e.action,
    e.actorRole ?? null,
  ]);
  expect(actions).toEqual([
    ['approval.requested', null],
    ['approval.approved', 'chairman'],
  ]);
});
