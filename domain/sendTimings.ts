/**
 * How long one email send may take, and how the attempts of one send keep out of each other's way. These numbers
 * are chosen together, so they live together: the providers read their timeouts here, the workflows their
 * activity options, and `deliverOnce` its heartbeat and lease.
 *
 * - A provider call is bounded: SMTP by nodemailer's timeouts per step (a server that answers each command 8 s
 *   late takes about 50 s for one message and is still within them), SendGrid by one deadline per request.
 * - While the call is in flight the attempt heartbeats every `heartbeatEveryMs`, so Temporal does not start a
 *   second attempt beside a live one (`heartbeatTimeoutMs`), and renews its outbox lease (`leaseMs`), so an
 *   attempt that Temporal started anyway (the first one's worker died, or it ran past `startToCloseMs`) waits for
 *   the lease holder's outcome instead of sending again. A dead attempt stops renewing: its lease ends
 *   `leaseMs` after its last renewal, about when Temporal gives up on its heartbeat.
 * - `startToCloseMs` covers the slowest bounded provider call plus a wait for another attempt's lease.
 * - A send that has failed for `giveUpAfterMs` (a provider down for a day) is recorded as failed and the sequence
 *   goes on; `scheduleToCloseMs` is only the backstop behind that.
 */
export const SEND_TIMINGS = {
  smtp: {
    connectionTimeoutMs: 10_000,
    greetingTimeoutMs: 30_000,
    /** Silence allowed between two replies of the server. */
    socketTimeoutMs: 30_000,
    /** Connections a worker process keeps open to the SMTP server. */
    maxConnections: 5,
  },
  /** One SendGrid request, including reading the answer. */
  httpProviderTimeoutMs: 30_000,
  heartbeatEveryMs: 5_000,
  heartbeatTimeoutMs: 30_000,
  leaseMs: 30_000,
  /** Worst case of SMTP: connect 10 s, greeting 30 s, five commands and the data at 30 s each, plus a lease wait. */
  startToCloseMs: 5 * 60_000,
  giveUpAfterMs: 24 * 3_600_000,
  scheduleToCloseMs: 25 * 3_600_000,
} as const;
