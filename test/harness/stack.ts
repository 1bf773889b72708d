import { loadConfig } from '../../config/config';
import { ApiKeyStore, type Role } from '../../db/stores/apiKeys';
import { UserStore } from '../../db/stores/users';
import { hashPassword } from '../../services/passwords';
import { createLogger } from '../../infra/logger';
import type { MailCatcher } from '../../infra/mailCatcher';
import { freePort } from '../../infra/ports';
import { startStack, type Stack } from '../../app/stack';
import { createTestDatabase, startSmtpSink, uniqueId, type TestDatabase } from './index';

export interface TestStack {
  stack: Stack;
  api: string;
  smtp: MailCatcher;
  database: TestDatabase;
  keys: Record<Role, string>;
  /** One person per role (named `test <role>`, at `<role>@gtm.test`), whose keys `keys` are, with their passwords. */
  users: Record<Role, { id: string; email: string; password: string }>;
  /** The task queue of this stack's worker (its own, so stacks of parallel test files never share work). */
  taskQueue: string;
  stop(): Promise<void>;
}

/**
 * The product as `npm start` assembles it, on free ports, against this run's PostgreSQL (a fresh database),
 * its Temporal dev server (a task queue of its own) and an SMTP sink, driven over HTTP as a client would.
 */
export async function startTestStack(env: Record<string, string> = {}): Promise<TestStack> {
  const database = await createTestDatabase();
  const smtp = await startSmtpSink();
  const port = await freePort();
  const config = loadConfig({
    NODE_ENV: 'test',
    PORT: String(port),
    DATABASE_URL: database.url,
    TEMPORAL_ADDRESS: process.env.GTM_TEST_TEMPORAL_ADDRESS!,
    SMTP_URL: smtp.url,
    SIGNING_SECRET: 'test-signing-secret-that-is-long-enough-000',
    PUBLIC_URL: `http://127.0.0.1:${port}`,
    LOG_LEVEL: 'silent',
    // A daily scan firing mid-run would intervene on another test's contacts; the churn test turns it on.
    CHURN_SCAN_ENABLED: 'false',
    // Nor a segment refresh on its own (every 10 minutes by the clock): the tests that need one trigger it.
    SEGMENT_REFRESH_INTERVAL: 'P365D',
    // Nor the weekly reallocation round (Monday mornings): the reallocation test triggers it.
    REALLOCATION_PROPOSALS_ENABLED: 'false',
    ...env,
  });
  const taskQueue = uniqueId('e2e');
  const stack = await startStack(config, createLogger('silent'), {
    workflowBundlePath: process.env.GTM_TEST_WORKFLOW_BUNDLE!,
    taskQueue,
  });
  const apiKeys = new ApiKeyStore(stack.db);
  const people = new UserStore(stack.db);
  const keys = {} as Record<Role, string>;
  const users = {} as TestStack['users'];
  for (const role of ['marketer', 'chairman', 'operator'] as const) {
    const password = `${role} password for tests`;
    const user = await people.create({
      email: `${role}@gtm.test`,
      name: `test ${role}`,
      roles: [role],
      passwordHash: await hashPassword(password),
    });
    users[role] = { id: user!.id, email: user!.email, password };
    keys[role] = (await apiKeys.create(`test ${role}`, role, user!.id)).key;
  }
  return {
    stack,
    api: stack.urls.api!,
    smtp,
    database,
    keys,
    users,
    taskQueue,
    async stop() {
      await stack.stop();
      await smtp.stop();
      await database.destroy();
    },
  };
}

/** fetch against the stack with a role's key; JSON in and out. */
export function client(t: TestStack, role: Role = 'marketer') {
  return async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${t.api}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${t.keys[role]}`,
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const text = await res.text();
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      json = text;
    }
    return { status: res.status, body: json as any, headers: res.headers };
  };
}
