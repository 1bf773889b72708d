/** What the contact import workflow takes and answers, and its id. */
export interface ContactImportInput {
  version: 1;
  importId: string;
}

export interface ContactImportResult {
  importId: string;
  status: 'completed' | 'failed';
  rows: number;
  created: number;
  updated: number;
  rejected: number;
}

/** One workflow per import: a second start for the same upload finds the first. */
export function getContactImportWorkflowId(importId: string): string {
  return `contact-import-${importId}`;
}
