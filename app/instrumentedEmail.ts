import type { Metrics } from '../infra/metrics';
import { PermanentEmailError, type EmailProvider, type SendResult } from '../providers/email/types';

/** Anything that hands a message to a provider: an email provider, Twilio, FCM, a webhook. */
interface Sender<M> {
  readonly name: string;
  send(message: M, signal?: AbortSignal): Promise<SendResult>;
}

/**
 * The sender, counted: every hand-over by provider and outcome (accepted, refused for good, failed and retried),
 * and how long the provider took to answer. Served on `/metrics` by the process that sends.
 */
export function instrumented<M>(provider: Sender<M>, metrics: Metrics): Sender<M> {
  return {
    name: provider.name,
    async send(message, signal) {
      const done = metrics.providerLatency.startTimer({ provider: provider.name });
      try {
        const result = await provider.send(message, signal);
        metrics.providerSends.inc({ provider: provider.name, outcome: 'accepted' });
        return result;
      } catch (err) {
        const outcome =
          err instanceof PermanentEmailError ? (err.recipientRejected ? 'bounced' : 'refused') : 'retried';
        metrics.providerSends.inc({ provider: provider.name, outcome });
        throw err;
      } finally {
        done();
      }
    },
  };
}

/** The email provider, counted (see `instrumented`). */
export function instrumentedEmail(provider: EmailProvider, metrics: Metrics): EmailProvider {
  return { ...instrumented(provider, metrics), close: () => provider.close() };
}
