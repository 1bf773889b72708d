import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import request from 'supertest';
import { freePort } from '../../infra/ports';
import { createTestApp, uniqueId } from '../harness';
import { client, startTestStack, type TestStack } from '../harness/stack';

const CLIENT_ID = 'gtm-dashboard';
const CLIENT_SECRET = 'local provider client secret';
const VALID_ROLES = /marketer, chairman, operator/;

let t: TestStack;
let provider: ChildProcess | undefined;
let issuer: string;

/** The local OpenID provider in a child process (it is ESM-only), listening once it says so. */
async function startProvider(port: number, redirectUri: string): Promise<void> {
  const script = path.join(__dirname, '../harness/oidcProvider.mjs');
  const child = spawn(process.execPath, [script, String(port), CLIENT_ID, CLIENT_SECRET, redirectUri], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  // Kept at once, so that afterAll stops it even when the product fails to start.
  provider = child;
  let out = '';
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (d) => {
      out += d;
      if (out.includes('oidc provider ready')) resolve();
    });
    child.stderr!.on('data', (d) => (out += d));
    child.once('exit', (code) => reject(new Error(`the OpenID provider exited with ${code}:\n${out}`)));
  });
}

beforeAll(async () => {
  const [providerPort, apiPort] = [await freePort(), await freePort()];
  const publicUrl = `http://127.0.0.1:${apiPort}`;
  issuer = `http://127.0.0.1:${providerPort}`;
  [, t] = await Promise.all([
    startProvider(providerPort, `${publicUrl}/v1/session/sso/callback`),
    startTestStack({
      PORT: String(apiPort),
      PUBLIC_URL: publicUrl,
      OIDC_ISSUER: issuer,
      OIDC_CLIENT_ID: CLIENT_ID,
      OIDC_CLIENT_SECRET: CLIENT_SECRET,
    }),
  ]);
}, 60_000);
afterAll(async () => {
  provider?.kill();
  await t?.stop();
});

/** An address of its own, as the product's proxy reports it: sign-in is rate-limited per address. */
const someAddress = () => `10.${[0, 0, 0].map(() => Math.floor(Math.random() * 250) + 1).join('.')}`;

/** A browser, as far as redirects and cookies go: one cookie jar per origin, redirects followed by hand. */
class Browser {
  private readonly jars = new Map<string, Map<string, string>>();
  private readonly address = someAddress();

  async get(url: string): Promise<Response> {
    const origin = new URL(url).origin;
    const jar = this.jars.get(origin) ?? new Map<string, string>();
    this.jars.set(origin, jar);
    const cookie = [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
    const headers: Record<string, string> = {
      accept: 'text/html,application/xhtml+xml,*/*;q=0.8',
      'x-forwarded-for': this.address,
    };
    if (cookie) headers.cookie = cookie;
    const res = await fetch(url, { redirect: 'manual', headers });
    for (const line of res.headers.getSetCookie()) {
      const [pair = ''] = line.split(';');
      const eq = pair.indexOf('=');
      const gone = /max-age=0|expires=thu, 01 jan 1970/i.test(line);
      if (gone) jar.delete(pair.slice(0, eq));
      else jar.set(pair.slice(0, eq), pair.slice(eq + 1));
    }
    return res;
  }

  cookie(origin: string, name: string): string | undefined {
    return this.jars.get(origin)?.get(name);
  }

  setCookie(origin: string, name: string, value: string) {
    this.jars.get(origin)!.set(name, value);
  }
}

const setCookie = (res: Response, name: string) => res.headers.getSetCookie().find((c) => c.startsWith(`${name}=`));

/** Who someone is at the provider: the claims its ID token and userinfo carry. */
interface Claims {
  email?: string;
  email_verified?: boolean;
  name?: string;
  roles?: unknown;
}

/**
 * Starts single sign-on at the product, signs in at the provider as `account` and stops at the provider's
 * redirect back: the callback URL the browser would open next, and the authorization request it came from.
 */
async function toCallback(browser: Browser, account: string, claims: Claims, next?: string) {
  const put = await fetch(`${issuer}/test/accounts/${account}`, { method: 'PUT', body: JSON.stringify(claims) });
  expect(put.status).toBe(204);
  const start = await browser.get(
    `${t.api}/v1/session/sso${next === undefined ? '' : `?next=${encodeURIComponent(next)}`}`,
  );
  expect(start.status).toBe(302);
  const authorization = new URL(start.headers.get('location')!);
  expect(authorization.origin).toBe(issuer);
  // The person picks their account at the provider; here the login hint names it.
  authorization.searchParams.set('login_hint', account);
  let url = authorization.href;
  for (let hop = 0; hop < 10; hop++) {
    const res = await browser.get(url);
    expect([res.status, res.status < 400 ? '' : await res.text()]).toEqual([303, '']);
    url = new URL(res.headers.get('location')!, url).href;
    if (url.startsWith(`${t.api}/`)) return { start, authorization, callback: new URL(url) };
  }
  throw new Error('the provider never sent the browser back');
}

/** The whole flow: what the product answers at its callback. */
async function signInWithSso(account: string, claims: Claims, next?: string) {
  const browser = new Browser();
  const { callback } = await toCallback(browser, account, claims, next);
  const res = await browser.get(callback.href);
  return { res, browser, session: browser.cookie(t.api, 'gtm_session') };
}

async function me(session: string | undefined) {
  const res = await fetch(`${t.api}/v1/me`, { headers: { cookie: `gtm_session=${session}` } });
  return { status: res.status, body: (await res.json()) as any };
}

const operator = () => client(t, 'operator');
const peopleAt = async (email: string) =>
  ((await operator()('GET', '/v1/users')).body.users as { id: string; email: string }[]).filter(
    (u) => u.email === email,
  );

test('GET /v1/session/sso sends the browser to the provider with PKCE (S256), state and nonce kept in a signed, httpOnly, SameSite=Lax cookie', async () => {
  const browser = new Browser();
  const start = await browser.get(`${t.api}/v1/session/sso`);
  expect(start.status).toBe(302);
  const to = new URL(start.headers.get('location')!);
  expect(`${to.origin}${to.pathname}`).toBe(`${issuer}/auth`);
  const q = Object.fromEntries(to.searchParams);
  expect(q).toMatchObject({
    client_id: CLIENT_ID,
    response_type: 'code',
    redirect_uri: `${t.api}/v1/session/sso/callback`,
    code_challenge_method: 'S256',
    code_challenge: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
    state: expect.stringMatching(/^[A-Za-z0-9_-]{20,}$/),
    nonce: expect.stringMatching(/^[A-Za-z0-9_-]{20,}$/),
  });
  expect(q.scope!.split(' ')).toEqual(expect.arrayContaining(['openid', 'email', 'profile']));
  const state = setCookie(start, 'gtm_sso')!;
  expect(state).toMatch(/HttpOnly/i);
  expect(state).toMatch(/SameSite=Lax/i);
  expect(state).toMatch(/Max-Age=\d{2,3}\b/);
  // Two starts are two different flows: nothing about one can be replayed in the other.
  const again = new URL((await new Browser().get(`${t.api}/v1/session/sso`)).headers.get('location')!);
  expect(again.searchParams.get('state')).not.toBe(q.state);
  expect(again.searchParams.get('code_challenge')).not.toBe(q.code_challenge);
});

test('a new person signs in through the provider: created with the claim’s roles, signed in to the dashboard, audited', async () => {
  const email = `${uniqueId('ana')}@sso.example`;
  const { res, session } = await signInWithSso(uniqueId('acct'), {
    email,
    email_verified: true,
    name: 'Ana Lima',
    roles: 'chairman, operator viewer',
  });
  expect(res.status).toBe(302);
  expect(res.headers.get('location')).toBe('/');
  const cookie = setCookie(res, 'gtm_session')!;
  expect(cookie).toMatch(/HttpOnly/i);
  expect(cookie).toMatch(/SameSite=Lax/i);
  expect(cookie).toMatch(/Path=\//);
  // The state cookie is spent.
  expect(setCookie(res, 'gtm_sso')).toMatch(/Expires=Thu, 01 Jan 1970/);

  const who = await me(session);
  expect(who.status).toBe(200);
  expect(who.body).toMatchObject({ name: 'Ana Lima', roles: ['chairman', 'operator'], via: 'dashboard' });
  expect(who.body.user).toMatchObject({ email, sso: true, hasPassword: false, roles: ['chairman', 'operator'] });
  expect(who.body.csrfToken).toEqual(expect.any(String));

  const audit = await operator()('GET', `/v1/audit?subjectType=user&subjectId=${who.body.user.id}`);
  const actions = audit.body.entries.map((e: { action: string }) => e.action);
  expect(actions).toEqual(expect.arrayContaining(['user.created', 'user.signed_in']));
  const created = audit.body.entries.find((e: { action: string }) => e.action === 'user.created');
  expect(created).toMatchObject({ actor: 'single sign-on', details: { email, roles: ['chairman', 'operator'] } });
  const signedIn = audit.body.entries.find((e: { action: string }) => e.action === 'user.signed_in');
  expect(signedIn.details).toEqual({ method: 'sso' });
});

test('signing in again finds the same person, whose roles follow the claim, and returns to the page asked for', async () => {
  const account = uniqueId('acct');
  const email = `${uniqueId('ben')}@sso.example`;
  const first = await signInWithSso(account, { email, email_verified: true, roles: ['marketer'] });
  expect(first.res.status).toBe(302);
  const id = (await me(first.session)).body.user.id;
  // No name claim: the address names them.
  expect((await me(first.session)).body.name).toBe(email);

  const second = await signInWithSso(account, { email, email_verified: true, roles: ['chairman'] }, '/approvals/42');
  expect(second.res.status).toBe(302);
  expect(second.res.headers.get('location')).toBe('/approvals/42');
  const again = await me(second.session);
  expect(again.body.user.id).toBe(id);
  expect(again.body.roles).toEqual(['chairman']);
  expect(await peopleAt(email)).toHaveLength(1);
});

test('a person whose claim holds no valid role is refused with 403 naming the claim and the roles, and gets no session', async () => {
  const email = `${uniqueId('cy')}@sso.example`;
  const { res, session } = await signInWithSso(uniqueId('acct'), { email, email_verified: true, roles: ['viewer'] });
  expect(res.status).toBe(403);
  expect(res.headers.get('content-type')).toMatch(/text\/html/);
  const text = await res.text();
  expect(text).toContain('roles');
  expect(text).toMatch(VALID_ROLES);
  expect(setCookie(res, 'gtm_session')).toBeUndefined();
  expect(session).toBeUndefined();
  expect(await peopleAt(email)).toEqual([]);
});

test('a known person whose claim no longer names a valid role is refused, and keeps the roles they had', async () => {
  const email = `${uniqueId('kim')}@sso.example`;
  const account = uniqueId('acct');
  const first = await signInWithSso(account, { email, email_verified: true, roles: ['marketer'] });
  expect(first.res.status).toBe(302);
  const later = await signInWithSso(account, { email, email_verified: true, roles: ['viewer'] });
  expect(later.res.status).toBe(403);
  expect(later.session).toBeUndefined();
  const [person] = await peopleAt(email);
  expect(person).toBeDefined();
  expect((await me(first.session)).body.roles).toEqual(['marketer']);
});

test('a tampered state, a tampered state cookie, a replayed callback and a provider’s error are each refused with 400', async () => {
  const claims = { email: `${uniqueId('dee')}@sso.example`, email_verified: true, roles: ['marketer'] };
  const forged = new Browser();
  const { callback } = await toCallback(forged, uniqueId('acct'), claims);
  const state = callback.searchParams.get('state')!;
  callback.searchParams.set('state', `${state.slice(0, -2)}xx`);
  const tampered = await forged.get(callback.href);
  expect(tampered.status).toBe(400);
  expect(await tampered.text()).toMatch(/sign.in/i);
  expect(setCookie(tampered, 'gtm_session')).toBeUndefined();

  const cookieForged = new Browser();
  const second = await toCallback(cookieForged, uniqueId('acct'), claims);
  const sso = cookieForged.cookie(t.api, 'gtm_sso')!;
  cookieForged.setCookie(t.api, 'gtm_sso', `${sso.slice(0, -3)}abc`);
  const badCookie = await cookieForged.get(second.callback.href);
  expect(badCookie.status).toBe(400);
  expect(setCookie(badCookie, 'gtm_session')).toBeUndefined();

  // The genuine flow works once; its callback opened a second time has no state cookie left.
  const honest = new Browser();
  const third = await toCallback(honest, uniqueId('acct'), claims);
  expect((await honest.get(third.callback.href)).status).toBe(302);
  expect((await honest.get(third.callback.href)).status).toBe(400);

  // The provider says no (the person cancelled): the browser comes back with an error instead of a code.
  const cancelled = new Browser();
  const start = await cancelled.get(`${t.api}/v1/session/sso`);
  const sent = new URL(start.headers.get('location')!).searchParams.get('state')!;
  const refused = await cancelled.get(
    `${t.api}/v1/session/sso/callback?error=access_denied&state=${sent}&iss=${encodeURIComponent(issuer)}`,
  );
  expect(refused.status).toBe(400);
  expect(await refused.text()).toContain('access_denied');
});

test('next must be a path on this site: //evil.example, a URL or a backslash trick is ignored for /', async () => {
  const account = uniqueId('acct');
  const claims = { email: `${uniqueId('eve')}@sso.example`, email_verified: true, roles: ['marketer'] };
  for (const next of ['//evil.example', 'https://evil.example/', '/\\evil.example', 'approvals/1']) {
    const { res } = await signInWithSso(account, claims, next);
    expect([next, res.status, res.headers.get('location')]).toEqual([next, 302, '/']);
  }
});

test('an existing password user with the same verified address is linked, not duplicated; an unverified address is not', async () => {
  const marketer = t.users.marketer;
  const { res, session } = await signInWithSso(uniqueId('acct'), {
    email: marketer.email.toUpperCase(),
    email_verified: true,
    name: 'Someone Else',
    roles: ['marketer', 'chairman'],
  });
  expect(res.status).toBe(302);
  const who = await me(session);
  expect(who.body.user).toMatchObject({ id: marketer.id, sso: true, hasPassword: true });
  expect(who.body.roles).toEqual(['marketer', 'chairman']);
  expect(await peopleAt(marketer.email)).toHaveLength(1);

  // Anyone may type any address at some providers: an unverified one takes over nobody.
  const chairman = t.users.chairman;
  const grab = await signInWithSso(uniqueId('acct'), {
    email: chairman.email,
    email_verified: false,
    roles: ['operator'],
  });
  expect(grab.res.status).toBe(403);
  expect(grab.session).toBeUndefined();
  expect((await peopleAt(chairman.email))[0]).toMatchObject({ id: chairman.id, sso: false, roles: ['chairman'] });
});

test('a deactivated person is refused even though the provider vouches for them', async () => {
  const account = uniqueId('acct');
  const claims = { email: `${uniqueId('fay')}@sso.example`, email_verified: true, roles: ['marketer'] };
  const first = await signInWithSso(account, claims);
  const id = (await me(first.session)).body.user.id;
  expect((await operator()('PATCH', `/v1/users/${id}`, { active: false })).status).toBe(200);
  const { res, session } = await signInWithSso(account, claims);
  expect(res.status).toBe(403);
  expect(await res.text()).toMatch(/deactivated/);
  expect(session).toBeUndefined();
});

test('without OIDC settings single sign-on is 404 with a clear message; an unreachable provider is 502', async () => {
  const off = createTestApp(t.stack.db, {} as never);
  const res = await request(off)
    .get('/v1/session/sso')
    .set({ accept: 'application/json', 'x-forwarded-for': someAddress() });
  expect(res.status).toBe(404);
  expect(res.body.error).toMatch(/single sign-on is not configured.*OIDC_ISSUER/);
  expect((await request(off).get('/v1/session/sso/callback?code=x').set('x-forwarded-for', someAddress())).status).toBe(
    404,
  );

  const down = createTestApp(t.stack.db, {} as never, {
    config: { OIDC_ISSUER: 'http://127.0.0.1:1', OIDC_CLIENT_ID: 'x', OIDC_CLIENT_SECRET: 'y' },
  });
  const unreachable = await request(down)
    .get('/v1/session/sso')
    .set({ accept: 'application/json', 'x-forwarded-for': someAddress() });
  expect(unreachable.status).toBe(502);
  expect(unreachable.body.error).toMatch(/identity provider/);
});
