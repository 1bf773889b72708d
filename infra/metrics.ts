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
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
