import type { Actor } from '../domain/identity';
import { isGrpcServiceError, type Client } from '@temporalio/client';
import type { Db } from '../db/knex';
import { AuditLog } from '../db/stores/audit';
import { ContactStore, type Contact } from '../db/stores/contacts';
import { emailHash, SuppressionStore } from '../db/stores/suppressions';

/** gRPC NOT_FOUND: the execution is already gone (retention, or an earlier erasure that stopped half-way). */
const NOT_FOUND = 5;

/** What an erasure removed, as the API answers it: counts only, nothing about the person. */
export interface ErasureSummary {
  contact: string;
  events: number;
  traits: number;
  messagesStripped: number;
  messageEventsStripped: number;
  enrollments: number;
  workflowsDeleted: number;
  subscriptionChanges: number;
  segmentMemberships: number;
  auditEntriesRedacted: number;
  suppression: 'kept as a hash' | 'added as a hash';
}

/**
 * Erases a person (the right to erasure). In this order, so that nothing can be written back half-way:
 * 1. the address goes on the suppression list as a hash only: a send still in flight is refused from here on, and the
 *    address is never mailed again, though it is no longer stored;
 * 2. their workflow executions are deleted from Temporal (a running one is terminated by the deletion): every run the
 *    enrollments table knows, and whatever visibility lists under their ContactId;
 * 3. in one transaction: events, subscription changes and the contact row go (enrollments, segment memberships and
 *    churn scores cascade); messages stay in the message log for the sequences' counts, but without address, subject,
 *    contact or a key that names them, and their log events lose the address, link and user agent; audit entries that
 *    name the person are redacted; a tombstone (`contact.erased`, internal id and counts) is audited.
 */
export class ErasureService {
  private readonly contacts: ContactStore;
  private readonly suppressions: SuppressionStore;

  constructor(
    private readonly db: Db,
    private readonly temporal: Client,
  ) {
    this.contacts = new ContactStore(db);
    this.suppressions = new SuppressionStore(db);
  }

  async erase(contact: Contact, by: Actor): Promise<ErasureSummary> {
    const { existed } = await this.suppressions.keepAsHash(contact.email, 'erasure');
    const workflowsDeleted = await this.deleteWorkflows(contact);
    const counts = await this.db.transaction(async (trx) => {
      const email = contact.email.trim().toLowerCase();
      const segmentMemberships = await trx('segment_members').where({ contact_id: contact.id }).delete();
      const messages = trx('email_outbox').where((q) =>
        q
          .where({ contact_id: contact.id })
          .orWhere((w) => w.whereNull('contact_id').whereRaw('lower(to_email) = ?', [email])),
      );
      const messageIds = (await messages.clone().select('id')).map((m: { id: string }) => m.id);
      const messageEventsStripped = messageIds.length
        ? await trx('message_events')
            .whereIn('message_id', messageIds)
            .update({ email: null, url: null, user_agent: null, reason: null })
        : 0;
      await trx('message_events').whereNull('message_id').whereRaw('lower(email) = ?', [email]).delete();
      const messagesStripped = messageIds.length
        ? await trx('email_outbox')
            .whereIn('id', messageIds)
            .update({
              contact_id: null,
              to_email: '',
              // The phone of a text, the URL of a webhook.
              address: null,
              subject: '',
              error: null,
              workflow_id: null,
              provider_message_id: null,
              idempotency_key: trx.raw(`'erased:' || id::text`),
            })
        : 0;
      const auditEntriesRedacted = await redactAudit(trx, contact, email);
      const events = await trx('events').where({ contact_id: contact.id }).delete();
      const subscriptionChanges = await trx('contact_subscription_changes').where({ contact_id: contact.id }).delete();
      const enrollments = await trx('enrollments').where({ contact_id: contact.id }).delete();
      await new ContactStore(trx).delete(contact.id);
      return {
        events,
        messagesStripped,
        messageEventsStripped,
        enrollments,
        subscriptionChanges,
        segmentMemberships,
        auditEntriesRedacted,
      };
    });
    const summary: ErasureSummary = {
      contact: contact.id,
      traits: Object.keys(contact.traits).length,
      workflowsDeleted,
      ...counts,
      suppression: existed ? 'kept as a hash' : 'added as a hash',
    };
    await new AuditLog(this.db).record({
      ...by,
      action: 'contact.erased',
      subjectType: 'contact',
      subjectId: contact.id,
      details: { ...summary, contact: undefined },
    });
    return summary;
  }

  /** Deletes every execution of the person's workflows; answers how many were deleted. */
  private async deleteWorkflows(contact: Contact): Promise<number> {
    const runs = new Map<string, { workflowId: string; runId?: string }>();
    const rows = await this.db('enrollments').where({ contact_id: contact.id }).select('workflow_id', 'run_id');
    for (const r of rows as { workflow_id: string; run_id: string }[])
      runs.set(`${r.workflow_id}/${r.run_id}`, { workflowId: r.workflow_id, runId: r.run_id });
    // Visibility finds runs the enrollments table never recorded (a start whose record failed); ids that would need
    // quoting are left to the table, since the list query has no escaping for them.
    const ids = [contact.id, contact.externalId].filter((id) => /^[\w.@:+-]+$/.test(id));
    const query = ids.map((id) => `ContactId = '${id}'`).join(' OR ');
    for await (const wf of this.temporal.workflow.list({ query }))
      runs.set(`${wf.workflowId}/${wf.runId}`, { workflowId: wf.workflowId, runId: wf.runId });

    let deleted = 0;
    for (const execution of runs.values()) {
      try {
        await this.temporal.workflowService.deleteWorkflowExecution({
          namespace: this.temporal.options.namespace,
          workflowExecution: execution,
        });
        deleted++;
      } catch (err) {
        if (!(isGrpcServiceError(err) && err.code === NOT_FOUND)) throw err;
      }
    }
    return deleted;
  }
}

/**
 * Audit entries about the person: those whose subject is their address get its hash instead, and details that name
 * the address or either id are replaced by a note. Actors stay (they are the people who acted, not the subject).
 */
async function redactAudit(trx: Db, contact: Contact, email: string): Promise<number> {
  const like = (s: string) => `%${s.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
  const bySubject = await trx('audit_log')
    .whereRaw('lower(subject_id) = ?', [email])
    .update({ subject_id: `sha256:${emailHash(email)}` });
  const byDetails = await trx('audit_log')
    .where((q) =>
      q
        .whereRaw('lower(details::text) LIKE ?', [like(email)])
        .orWhereRaw('details::text LIKE ?', [like(JSON.stringify(contact.externalId))])
        .orWhereRaw('details::text LIKE ?', [like(contact.id)]),
    )
    .update({ details: JSON.stringify({ redacted: 'contact erased' }) });
  const byExternalId = await trx('audit_log')
    .where({ subject_id: contact.externalId })
    .update({ subject_id: contact.id });
  return bySubject + byDetails + byExternalId;
}
