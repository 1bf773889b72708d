/** Inputs of the template workflows; types only, shared with their activities. */

/** What a test send of a template renders with: a contact's own values, or sample ones. */
export interface TemplateTestInput {
  templateKey: string;
  /** A version to test; the current one when absent. */
  version?: number;
  email: string;
  contactId?: string;
  variables?: Record<string, unknown>;
  locale?: string;
}

/** The confirmation a contact must click before an opt-in topic sends them anything (double opt-in). */
export interface TopicConfirmationInput {
  contactId: string;
  topic: string;
}

/** The email that sets a person's password: a reset they asked for, or (`invited`) their first password. */
export interface AccountEmailInput {
  userId: string;
  resetId: string;
  invited: boolean;
}
