import { client, startTestStack, type TestStack } from '../harness/stack';

let t: TestStack;
beforeAll(async () => {
  t = await startTestStack({ SIGN_IN_LOCK_AFTER: '3', SIGN_IN_LOCK_MINUTES: '10' });
}, 90_000);
afterAll(async () => t?.stop());

interface Answer {
  status: number;
  body: any;
  headers: Headers;
}

/** A browser's view of the API: the session cookie it was given, and the CSRF token it was told. */
class Browser {
  cookie = '';
  csrf: string | null = null;

  async call(method: string, path: string, body?: unknown, extra: Record<string, string> = {}): Promise<Answer> {
    const res = await fetch(`${t.api}${path}`, {
      method,
      headers: {
        ...(this.cookie ? { cookie: this.cookie } : {}),
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...extra,
      },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const set = res.headers.get('set-cookie');
    if (set) this.cookie = set.split(';')[0]!;
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : null, headers: res.headers };
  }

  async signIn(email: string, password: string): Promise<Answer> {
    const res = await this.call('POST', '/v1/session', { email, password });
    if (res.status === 200) this.csrf = res.body.csrfToken;
    return res;
  }

  /** A state-changing request as the dashboard makes it: with the CSRF token. */
  send(method: string, path: string, body?: unknown): Promise<Answer> {
    return this.call(method, path, body, this.csrf ? { 'x-csrf-token': this.csrf } : {});
  }
}

const linkIn = (text: string) => /\/#\/reset-password\/([^\s"<)]+)/.exec(text)?.[1];

test('a password opens a session: an httpOnly, SameSite cookie, stored only as a hash, and GET /v1/me names the person', async () => {
  const b = new Browser();
  const res = await b.signIn('MARKETER@gtm.test', t.users.marketer.password);
  expect(res.status).toBe(200);
  const setCookie = res.headers.get('set-cookie')!;
  expect(setCookie).toMatch(/^gtm_session=[\w-]{43};/);
  expect(setCookie).toMatch(/HttpOnly/);
  expect(setCookie).toMatch(/SameSite=Lax/);
  expect(res.body.user).toEqual(expect.objectContaining({ email: 'marketer@gtm.test', roles: ['marketer'] }));
  expect(JSON.stringify(res.body)).not.toContain('password');

  const token = b.cookie.split('=')[1]!;
  const rows = await t.stack.db('sessions').where({ user_id: t.users.marketer.id });
  expect(rows.length).toBeGreaterThan(0);
  expect(JSON.stringify(rows)).not.toContain(token);

  const me = await b.call('GET', '/v1/me');
  expect(me.status).toBe(200);
  expect(me.body).toEqual(
    expect.objectContaining({
      name: 'test marketer',
      roles: ['marketer'],
      via: 'dashboard',
      csrfToken: expect.any(String),
    }),
  );
});

test('with the cookie, a state-changing request needs the session’s own CSRF token; a bearer key needs none', async () => {
  const ana = new Browser();
  await ana.signIn(t.users.marketer.email, t.users.marketer.password);
  const venture = { name: 'Csrf Co', slug: 'csrf-co', productName: 'Csrf' };

  const without = await ana.call('POST', '/v1/ventures', venture);
  expect(without.status).toBe(403);
  expect(without.body.error).toMatch(/x-csrf-token/);
  // Another session's token is not this one's.
  const other = new Browser();
  await other.signIn(t.users.operator.email, t.users.operator.password);
  const borrowed = await ana.call('POST', '/v1/ventures', venture, { 'x-csrf-token': other.csrf! });
  expect(borrowed.status).toBe(403);
  expect(await t.stack.db('ventures').where({ slug: 'csrf-co' })).toHaveLength(0);

  const withToken = await ana.send('POST', '/v1/ventures', venture);
  expect(withToken.status).toBe(201);
  const byKey = await client(t, 'marketer')('POST', '/v1/ventures', { ...venture, slug: 'csrf-co-2' });
  expect(byKey.status).toBe(201);
  // Reading needs no token.
  expect((await ana.call('GET', '/v1/ventures')).status).toBe(200);
});

test('signing out ends the session: its cookie is refused from then on', async () => {
  const b = new Browser();
  await b.signIn(t.users.chairman.email, t.users.chairman.password);
  const cookie = b.cookie;
  expect((await b.send('DELETE', '/v1/session')).status).toBe(204);
  b.cookie = cookie;
  expect((await b.call('GET', '/v1/me')).status).toBe(401);
});

test('a wrong password or an unknown address answer alike; repeated failures lock the account (429 with Retry-After), even for the right password', async () => {
  const email = 'locked@gtm.test';
  const password = 'a long enough password';
  const op = client(t, 'operator');
  expect((await op('POST', '/v1/users', { email, name: 'Lou Locked', roles: ['marketer'], password })).status).toBe(
    201,
  );

  const b = new Browser();
  const unknown = await b.signIn('nobody@gtm.test', 'whatever it is');
  const wrong = await b.signIn(email, 'not the password');
  expect(unknown.status).toBe(401);
  expect(wrong.status).toBe(401);
  expect(wrong.body.error).toBe(unknown.body.error);
  await b.signIn(email, 'still not it');
  const third = await b.signIn(email, 'nor this');
  expect(third.status).toBe(429);
  expect(Number(third.headers.get('retry-after'))).toBeGreaterThan(500);
  const right = await b.signIn(email, password);
  expect(right.status).toBe(429);
  expect(b.cookie).toBe('');
  const audited = await t.stack.db('audit_log').where({ action: 'user.locked', actor_email: email });
  expect(audited).toHaveLength(1);
});

test('a password reset goes by a single-use emailed link, ends every session, and tells nobody whether an address has an account', async () => {
  const user = t.users.chairman;
  const before = new Browser();
  await before.signIn(user.email, user.password);

  const b = new Browser();
  expect((await b.call('POST', '/v1/password-resets', { email: 'nobody@gtm.test' })).status).toBe(202);
  expect((await b.call('POST', '/v1/password-resets', { email: user.email })).status).toBe(202);
  const [mail] = await t.smtp.waitFor((m) => m.some((x) => x.to.includes(user.email) && linkIn(x.text) !== undefined));
  const sent = t.smtp.to(user.email).find((m) => linkIn(m.text))!;
  expect(sent.subject).toMatch(/password/i);
  expect(mail).toBeDefined();
  expect(t.smtp.to('nobody@gtm.test')).toHaveLength(0);
  const token = linkIn(sent.text)!;

  const weak = await b.call('POST', '/v1/password-resets/complete', { token, password: 'short' });
  expect(weak.status).toBe(400);
  expect(weak.body.problems[0].path).toBe('password');
  const newPassword = 'the chairman’s new password';
  const done = await b.call('POST', '/v1/password-resets/complete', { token, password: newPassword });
  expect(done.status).toBe(200);
  const again = await b.call('POST', '/v1/password-resets/complete', { token, password: 'another new password' });
  expect(again.status).toBe(400);
  expect(again.body.problems[0].path).toBe('token');
  const forged = await b.call('POST', '/v1/password-resets/complete', {
    token: `${token.slice(0, -2)}xx`,
    password: 'another new password',
  });
  expect(forged.status).toBe(400);

  expect((await before.call('GET', '/v1/me')).status).toBe(401);
  expect((await new Browser().signIn(user.email, user.password)).status).toBe(401);
  expect((await new Browser().signIn(user.email, newPassword)).status).toBe(200);
  user.password = newPassword;
});

test('operators manage people; a deactivated person’s sessions and keys stop at once; a key acts only in a role its person still holds', async () => {
  const op = client(t, 'operator');
  const refused = await client(t, 'marketer')('POST', '/v1/users', {
    email: 'x@gtm.test',
    name: 'X',
    roles: ['operator'],
  });
  expect(refused.status).toBe(403);
  const bad = await op('POST', '/v1/users', { email: 'bo@gtm.test', name: 'Bo', roles: ['ceo'] });
  expect(bad.status).toBe(400);
  expect(JSON.stringify(bad.body.problems)).toMatch(/marketer.*chairman.*operator/);
  expect(await t.stack.db('users').where({ email: 'bo@gtm.test' })).toHaveLength(0);

  const password = 'bo has a good password';
  const created = await op('POST', '/v1/users', {
    email: 'Bo@GTM.test',
    name: 'Bo Both',
    roles: ['marketer', 'chairman'],
    password,
  });
  expect(created.status).toBe(201);
  expect((await op('POST', '/v1/users', { email: 'bo@gtm.test', name: 'Bo 2', roles: ['marketer'] })).status).toBe(409);
  const bo = created.body;

  const b = new Browser();
  await b.signIn('bo@gtm.test', password);
  const key = await b.send('POST', `/v1/users/${bo.id}/keys`, { name: 'Bo’s script', role: 'chairman' });
  expect(key.status).toBe(201);
  expect(key.body.key).toMatch(/^gtm_/);
  const notHers = await b.send('POST', `/v1/users/${bo.id}/keys`, { name: 'ops', role: 'operator' });
  expect(notHers.status).toBe(400);
  expect(notHers.body.problems[0]).toEqual({ path: 'role', message: expect.stringContaining('marketer, chairman') });
  const someoneElses = await b.call('GET', `/v1/users/${t.users.operator.id}/keys`);
  expect(someoneElses.status).toBe(403);
  const listed = await b.call('GET', `/v1/users/${bo.id}/keys`);
  expect(JSON.stringify(listed.body)).not.toContain(key.body.key);

  const asKey = async () =>
    (await fetch(`${t.api}/v1/approvals`, { headers: { authorization: `Bearer ${key.body.key}` } })).status;
  expect(await asKey()).toBe(200);
  // Without the chairman role, the chairman key is dead.
  expect((await op('PATCH', `/v1/users/${bo.id}`, { roles: ['marketer'] })).status).toBe(200);
  expect(await asKey()).toBe(401);
  expect((await b.call('GET', '/v1/me')).body.roles).toEqual(['marketer']);

  expect((await op('PATCH', `/v1/users/${bo.id}`, { active: false })).status).toBe(200);
  expect((await b.call('GET', '/v1/me')).status).toBe(401);
  expect((await new Browser().signIn('bo@gtm.test', password)).status).toBe(401);
  const audit = await client(t, 'operator')('GET', `/v1/audit?subjectType=user&subjectId=${bo.id}`);
  expect(audit.body.entries.map((e: { action: string }) => e.action)).toEqual(
    expect.arrayContaining(['user.created', 'api_key.created', 'user.updated', 'user.deactivated']),
  );
  const deactivation = audit.body.entries.find((e: { action: string }) => e.action === 'user.deactivated');
  expect(deactivation).toEqual(
    expect.objectContaining({ actorUserId: t.users.operator.id, actorEmail: 'operator@gtm.test', via: 'api_key' }),
  );
});

test('a person given access without a password is emailed a link to choose one', async () => {
  const op = client(t, 'operator');
  const res = await op('POST', '/v1/users', { email: 'cy@gtm.test', name: 'Cy New', roles: ['marketer'] });
  expect(res.status).toBe(201);
  expect(res.body.hasPassword).toBe(false);
  await t.smtp.waitFor(() => t.smtp.to('cy@gtm.test').some((m) => linkIn(m.text)));
  const mail = t.smtp.to('cy@gtm.test').find((m) => linkIn(m.text))!;
  expect(mail.text).toMatch(/given access/);
  const b = new Browser();
  const set = await b.call('POST', '/v1/password-resets/complete', {
    token: linkIn(mail.text),
    password: 'cy chose this one',
  });
  expect(set.status).toBe(200);
  expect((await b.signIn('cy@gtm.test', 'cy chose this one')).status).toBe(200);
});

test('asking for password resets over and over from one address is refused (429) before it floods an inbox', async () => {
  const statuses: number[] = [];
  for (let i = 0; i < 14; i++) {
    const res = await fetch(`${t.api}/v1/password-resets`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-forwarded-for': '203.0.113.9' },
      body: JSON.stringify({ email: t.users.operator.email }),
    });
    statuses.push(res.status);
    if (res.status === 429) expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
  }
  expect(statuses.filter((s) => s === 202)).toHaveLength(10);
  expect(statuses.slice(10)).toEqual([429, 429, 429, 429]);
  // Completing a reset is not limited with the requests: it takes a signed token, which nobody can guess.
  const other = await fetch(`${t.api}/v1/password-resets/complete`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-forwarded-for': '203.0.113.9' },
    body: JSON.stringify({ token: 'not-a-token', password: 'a long enough password' }),
  });
  expect(other.status).toBe(400);
});
