import type { Metrics } from '../infra/metrics';
import { PermanentEmailError, type EmailProvider } from '../providers/email/types';

/**
 * The provider, counted: every hand-over by provider and outcome (accepted, refused for good, failed and retried),
 * and how long the provider took to answer. Served on `/metrics` by the process that sends.
 */
export function instrumentedEmail(provider: EmailProvider, metrics: Metrics): EmailProvider {
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
    close: () => provider.close(),
  };
}
