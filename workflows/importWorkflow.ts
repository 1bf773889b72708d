import { ActivityFailure, proxyActivities } from '@temporalio/workflow';
import type { createActivities } from '../activities';
import type { ContactImportInput, ContactImportResult } from '../domain/contactImportWorkflow';
import { DATABASE_ACTIVITY } from './activityOptions';

type Activities = ReturnType<typeof createActivities>;

/**
 * Reading the file: as long as it takes, heartbeating after every batch; a worker that stops heartbeating for a
 * minute is given up on and the next attempt resumes from the import's checkpoint.
 */
const reader = proxyActivities<Activities>({
  startToCloseTimeout: '24h',
  heartbeatTimeout: '1m',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '1m', maximumAttempts: 30 },
});

const bookkeeping = proxyActivities<Activities>(DATABASE_ACTIVITY);

/**
 * Imports an uploaded contact file that was too large to answer at once.
 * @remarks The activity resumes from the checkpoint stored with each batch, so retries neither lose nor count a
 * row twice. After 30 failed attempts the import is marked failed, keeping what it stored.
 */
export async function contactImportWorkflow(input: ContactImportInput): Promise<ContactImportResult> {
  try {
    return await reader.runContactImport({ importId: input.importId });
  } catch (err) {
    if (!(err instanceof ActivityFailure)) throw err;
    return await bookkeeping.failContactImport({
      importId: input.importId,
      error: 'the import stopped after repeated failures; the rows counted so far are stored',
    });
  }
}
