import { proxyActivities, uuid4 } from '@temporalio/workflow';
import type { createActivities } from '../activities';
import { SEND_ACTIVITY } from './activityOptions';
import type { AccountEmailInput, TemplateTestInput, TopicConfirmationInput } from './templateTypes';

export type { AccountEmailInput, TemplateTestInput, TopicConfirmationInput } from './templateTypes';

type Activities = ReturnType<typeof createActivities>;

const mail = proxyActivities<Activities>(SEND_ACTIVITY);

/**
 * Sends one test of a template to an address, marked [Test] and outside every sequence and broadcast, so no stat
 * counts it: the API has no mail provider of its own, the workers do.
 */
export async function templateTestWorkflow(input: TemplateTestInput): Promise<{ status: string; reason?: string }> {
  return mail.sendTemplateTest({ ...input, idempotencyKey: `template-test:${input.templateKey}:${uuid4()}` });
}

/** Sends the double opt-in confirmation email for one request; its signed link subscribes the contact. */
export async function topicConfirmationWorkflow(
  input: TopicConfirmationInput,
): Promise<{ status: string; reason?: string }> {
  return mail.sendTopicConfirmation({
    ...input,
    idempotencyKey: `topic-confirm:${input.contactId}:${input.topic}:${uuid4()}`,
  });
}

/** Sends a person the link that sets their password; one email per reset, whatever retries. */
export async function accountEmailWorkflow(input: AccountEmailInput): Promise<{ status: string }> {
  return mail.sendAccountEmail({ ...input, idempotencyKey: `account:${input.resetId}` });
}
