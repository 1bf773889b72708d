import type { Db } from '../knex';

export type EnrollmentStatus = 'active' | 'completed' | 'converted' | 'exited' | 'unsubscribed' | 'failed';

export interface Enrollment {
  id: string;
  sequenceKey: string;
  sequenceVersion: number;
  contactId: string;
  workflowId: string;
  runId: string;
  status: EnrollmentStatus;
  variant: string | null;
  currentStep: string | null;
  exitReason: string | null;
  revenue: number | null;
  enrolledAt: Date;
  endedAt: Date | null;
}

const toEnrollment = (r: Record<string, unknown>): Enrollment => ({
  id: r.id as string,
  sequenceKey: r.sequence_key as string,
  sequenceVersion: r.sequence_version as number,
  contactId: r.contact_id as string,
  workflowId: r.workflow_id as string,
  runId: r.run_id as string,
  status: r.status as EnrollmentStatus,
  variant: (r.variant as string | null) ?? null,
  currentStep: (r.current_step as string | null) ?? null,
  exitReason: (r.exit_reason as string | null) ?? null,
  revenue: (r.revenue as number | null) ?? null,
  enrolledAt: r.enrolled_at as Date,
  endedAt: (r.ended_at as Date | null) ?? null,
});

/** Enrollments mirror the sequence workflows for reporting; the workflow is the source of truth while it runs. */
export class EnrollmentStore {
  constructor(private readonly db: Db) {}

  /** Idempotent: a second record of the same run, or of a workflow already active, is ignored. */
  async start(e: {
    sequenceKey: string;
    sequenceVersion: number;
    contactId: string;
    workflowId: string;
    runId: string;
    enrolledAt: Date;
    /** In the sequence's control group: counted, never messaged. */
    holdout?: boolean;
    /** The templates the definition sends: their current versions are pinned for this enrollment. */
    templates?: readonly string[];
    /** The topic the sequence's email is sent under. */
    topic?: string;
  }): Promise<void> {
    const templates = [...new Set(e.templates ?? [])];
    await this.db('enrollments')
      .insert({
        sequence_key: e.sequenceKey,
        sequence_version: e.sequenceVersion,
        contact_id: e.contactId,
        workflow_id: e.workflowId,
        run_id: e.runId,
        enrolled_at: e.enrolledAt,
        holdout: e.holdout ?? false,
        ...(templates.length > 0
          ? {
              template_versions: this.db.raw(
                `(SELECT coalesce(jsonb_object_agg(key, current_version), '{}'::jsonb) FROM templates WHERE key = ANY(?))`,
                [templates],
              ),
            }
          : {}),
        ...(e.topic ? { topic: e.topic } : {}),
      })
      .onConflict()
      .ignore();
  }

  /** Updates the workflow's active enrollment. */
  async update(
    workflowId: string,
    patch: {
      status?: EnrollmentStatus;
      variant?: string;
      currentStep?: string | null;
      exitReason?: string;
      revenue?: number;
    },
  ): Promise<void> {
    const ended = patch.status && patch.status !== 'active';
    await this.db('enrollments')
      .where({ workflow_id: workflowId, status: 'active' })
      .update({
        ...(patch.status ? { status: patch.status } : {}),
        ...(patch.variant !== undefined ? { variant: patch.variant } : {}),
        ...(patch.currentStep !== undefined ? { current_step: patch.currentStep } : {}),
        ...(patch.exitReason !== undefined ? { exit_reason: patch.exitReason } : {}),
        ...(patch.revenue !== undefined ? { revenue: patch.revenue } : {}),
        ...(ended ? { ended_at: this.db.fn.now() } : {}),
      });
  }

  async listForContact(contactId: string): Promise<Enrollment[]> {
    return (await this.db('enrollments').where({ contact_id: contactId }).orderBy('enrolled_at', 'desc')).map(
      toEnrollment,
    );
  }

  async listActiveForContacts(contactIds: string[]): Promise<Enrollment[]> {
    if (contactIds.length === 0) return [];
    return (await this.db('enrollments').whereIn('contact_id', contactIds).where({ status: 'active' })).map(
      toEnrollment,
    );
  }

  /** Active enrollments of a sequence by the version they started on: they keep it when a new one is stored. */
  async countActiveByVersion(sequenceKey: string): Promise<Record<string, number>> {
    const rows = await this.db('enrollments')
      .where({ sequence_key: sequenceKey, status: 'active' })
      .groupBy('sequence_version')
      .orderBy('sequence_version')
      .select('sequence_version', this.db.raw('count(*)::int as n'));
    return Object.fromEntries(rows.map((r) => [String(r.sequence_version), r.n as number]));
  }

  /** The latest enrollment of a contact in a sequence, for the re-entry rule. */
  async latest(contactId: string, sequenceKey: string): Promise<Enrollment | undefined> {
    const row = await this.db('enrollments')
      .where({ contact_id: contactId, sequence_key: sequenceKey })
      .orderBy('enrolled_at', 'desc')
      .first();
    return row && toEnrollment(row);
  }
}
