import client from 'prom-client';

/** One registry per app instance, so tests can build several apps in one process. */
export function createMetrics() {
  const registry = new client.Registry();
  client.collectDefaultMetrics({ register: registry });
  return {
    registry,
    httpRequests: new client.Counter({
      name: 'gtm_http_requests_total',
      help: 'HTTP requests by method, route and status',
      labelNames: ['method', 'route', 'status'] as const,
      registers: [registry],
    }),
    httpDuration: new client.Histogram({
      name: 'gtm_http_request_duration_seconds',
      help: 'HTTP request duration',
      labelNames: ['method', 'route'] as const,
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [registry],
    }),
    workflowStarts: new client.Counter({
      name: 'gtm_workflow_starts_total',
      help: 'Workflows started (or signalled with start) by the API, by workflow type',
      labelNames: ['workflow'] as const,
      registers: [registry],
    }),
    eventsAccepted: new client.Counter({
      name: 'gtm_events_accepted_total',
      help: 'Product events stored',
      registers: [registry],
    }),
    messageEvents: new client.Counter({
      name: 'gtm_message_events_total',
      help: 'Events added to the message log after the send, by status and source (a provider, our tracking)',
      labelNames: ['status', 'source'] as const,
      registers: [registry],
    }),
    providerSends: new client.Counter({
      name: 'gtm_email_provider_sends_total',
      help: 'Emails handed to the provider, by provider and outcome (accepted, bounced, refused, retried)',
      labelNames: ['provider', 'outcome'] as const,
      registers: [registry],
    }),
    providerLatency: new client.Histogram({
      name: 'gtm_email_provider_send_seconds',
      help: 'How long the email provider took to accept or refuse a message',
      labelNames: ['provider'] as const,
      buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers: [registry],
    }),
    webhookEvents: new client.Counter({
      name: 'gtm_webhook_events_total',
      help: 'Provider webhook events by provider and outcome (stored, duplicate, unmatched, ignored, invalid, refused)',
      labelNames: ['provider', 'outcome'] as const,
      registers: [registry],
    }),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
