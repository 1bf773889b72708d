import * as oidc from 'openid-client';
import { z } from 'zod';
import type { Db } from '../db/knex';
import { ROLES, type Role } from '../db/stores/apiKeys';
import { AuditLog } from '../db/stores/audit';
import { UserStore, type UserCredentials } from '../db/stores/users';
import type { Logger } from '../infra/logger';
import type { LinkSigner } from '../infra/signing';
import type { SignInResult, SignInService } from './signIn';

/** How the product talks to its OpenID provider, from OIDC_* and the public URL. */
export interface SsoSettings {
  issuer: string;
  clientId: string;
  clientSecret: string;
  rolesClaim: string;
  redirectUri: string;
}

/** Where the provider sends the browser back: one fixed address, registered with the provider. */
export const SSO_CALLBACK_PATH = '/v1/session/sso/callback';

/** The settings, or undefined when single sign-on is not configured (the configuration gives all three or none). */
export function ssoSettings(config: {
  publicUrl: string;
  OIDC_ISSUER?: string;
  OIDC_CLIENT_ID?: string;
  OIDC_CLIENT_SECRET?: string;
  OIDC_ROLES_CLAIM?: string;
}): SsoSettings | undefined {
  const { OIDC_ISSUER: issuer, OIDC_CLIENT_ID: clientId, OIDC_CLIENT_SECRET: clientSecret } = config;
  if (!issuer || !clientId || !clientSecret) return undefined;
  const redirectUri = `${config.publicUrl}${SSO_CALLBACK_PATH}`;
  return { issuer, clientId, clientSecret, rolesClaim: config.OIDC_ROLES_CLAIM ?? 'roles', redirectUri };
}

/** A refusal the person sees as it is: 400 for a flow that did not check out, 403 for someone not let in. */
export class SsoRefusal extends Error {
  constructor(
    readonly status: 400 | 403 | 502,
    message: string,
  ) {
    super(message);
  }
}

/** What the browser keeps between leaving for the provider and coming back, in a signed cookie. */
const flowSchema = z.object({ state: z.string(), nonce: z.string(), verifier: z.string(), next: z.string() });
type Flow = z.infer<typeof flowSchema>;

const FLOW_PURPOSE = 'sso-flow';
/** Long enough to sign in at the provider (with a second factor), short enough that a stale tab is refused. */
export const FLOW_TTL_MS = 10 * 60_000;

const SAFE_PATH = /^\/(?![/\\])[A-Za-z0-9\-._~!$&'()*+,;=:@%/?#]*$/;

/** A path on this site to return to after signing in; anything else (`//host`, a URL, `/\host`) is '/'. */
export function safeNext(next: unknown): string {
  return typeof next === 'string' && next.length <= 1000 && SAFE_PATH.test(next) ? next : '/';
}

/**
 * The roles a claim gives: an array of names, or one string of names separated by spaces or commas; only the
 * product's roles count, in the claim's order. Undefined when the claim is absent (the stored roles then stand).
 */
export function rolesFromClaim(value: unknown): Role[] | undefined {
  if (value === undefined || value === null) return undefined;
  const names = Array.isArray(value) ? value : typeof value === 'string' ? value.split(/[\s,]+/) : [];
  const roles: Role[] = [];
  for (const name of names) {
    const role = typeof name === 'string' ? name.trim().toLowerCase() : '';
    if ((ROLES as readonly string[]).includes(role) && !roles.includes(role as Role)) roles.push(role as Role);
  }
  return roles;
}

/** Who the provider vouched for, from the ID token (and userinfo for what the ID token leaves out). */
interface Vouched {
  issuer: string;
  subject: string;
  email?: string;
  emailVerified: boolean;
  name?: string;
  roles?: Role[];
}

const isLoopback = (url: URL) => ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname);
const text = (v: unknown, max: number) => (typeof v === 'string' && v.trim() && v.length <= max ? v.trim() : undefined);
const AUDIT_ACTOR = 'single sign-on';

/**
 * Single sign-on with OpenID Connect: the authorization code flow with PKCE, whose state, nonce and verifier travel
 * in a signed cookie rather than the database. The provider is discovered from its issuer once, and again after a
 * failure. A person is found by their identity at the provider, else by a verified address (and linked), else
 * created; the roles claim, when present, decides their roles at each sign-in.
 */
export class SsoService {
  private configuration?: Promise<oidc.Configuration>;
  private readonly users: UserStore;
  private readonly audit: AuditLog;

  constructor(
    db: Db,
    private readonly settings: SsoSettings,
    private readonly signer: LinkSigner,
    private readonly signIn: SignInService,
    private readonly log: Logger,
  ) {
    this.users = new UserStore(db);
    this.audit = new AuditLog(db);
  }

  /** The provider's authorization URL and the signed flow for the cookie; 502 when the provider is unreachable. */
  async start(next: unknown): Promise<{ url: URL; flow: string }> {
    const config = await this.client().catch((err: unknown) => {
      this.logFailure('discovery', err);
      throw new SsoRefusal(502, `single sign-on cannot reach the identity provider at ${this.settings.issuer}`);
    });
    const flow: Flow = {
      state: oidc.randomState(),
      nonce: oidc.randomNonce(),
      verifier: oidc.randomPKCECodeVerifier(),
      next: safeNext(next),
    };
    const url = oidc.buildAuthorizationUrl(config, {
      redirect_uri: this.settings.redirectUri,
      scope: 'openid email profile',
      code_challenge: await oidc.calculatePKCECodeChallenge(flow.verifier),
      code_challenge_method: 'S256',
      state: flow.state,
      nonce: flow.nonce,
    });
    return { url, flow: this.signer.sign(FLOW_PURPOSE, JSON.stringify(flow), FLOW_TTL_MS) };
  }

  /**
   * Completes the flow the signed cookie describes with the provider's answer (the callback's query string), and
   * opens a session for the person: the session and where to go next, or an SsoRefusal.
   */
  async finish(
    query: string,
    signedFlow: string | undefined,
    userAgent?: string,
  ): Promise<{ session: Extract<SignInResult, { ok: true }>; next: string }> {
    const flow = this.flowOf(signedFlow);
    const vouched = await this.exchange(query, flow);
    const person = await this.personFor(vouched);
    const session = await this.signIn.open(person.id, 'sso', userAgent);
    if (!session.ok) throw new SsoRefusal(403, 'this account is deactivated: ask an operator to reactivate it');
    return { session, next: flow.next };
  }

  private client(): Promise<oidc.Configuration> {
    this.configuration ??= this.discover().catch((err: unknown) => {
      this.configuration = undefined;
      throw err;
    });
    return this.configuration;
  }

  private async discover(): Promise<oidc.Configuration> {
    const issuer = new URL(this.settings.issuer);
    // Plain http only to a provider on this machine (a local one for development and tests), never across a network.
    const execute = issuer.protocol === 'http:' && isLoopback(issuer) ? [oidc.allowInsecureRequests] : [];
    return oidc.discovery(
      issuer,
      this.settings.clientId,
      undefined,
      oidc.ClientSecretBasic(this.settings.clientSecret),
      { execute, timeout: 10 },
    );
  }

  private flowOf(signed: string | undefined): Flow {
    const json = signed && signed.length < 2000 ? this.signer.verify(FLOW_PURPOSE, signed) : undefined;
    const parsed = json ? flowSchema.safeParse(safeJson(json)) : undefined;
    if (!parsed?.success) {
      throw new SsoRefusal(
        400,
        'single sign-on did not complete: this sign-in was started too long ago, in another browser, or already ' +
          'finished. Start again from the sign-in page.',
      );
    }
    return parsed.data;
  }

  /** Trades the code for tokens; openid-client checks the state, the ID token's signature, issuer, audience and nonce. */
  private async exchange(query: string, flow: Flow): Promise<Vouched> {
    try {
      const config = await this.client();
      const current = new URL(this.settings.redirectUri);
      current.search = query;
      const tokens = await oidc.authorizationCodeGrant(config, current, {
        pkceCodeVerifier: flow.verifier,
        expectedState: flow.state,
        expectedNonce: flow.nonce,
        idTokenExpected: true,
      });
      const idClaims = tokens.claims()!;
      let claims: Record<string, unknown> = idClaims;
      // Many providers put only `sub` in the ID token and the rest in userinfo; the ID token's own claims win.
      if (claims.email === undefined || claims[this.settings.rolesClaim] === undefined) {
        try {
          claims = { ...(await oidc.fetchUserInfo(config, tokens.access_token, idClaims.sub)), ...idClaims };
        } catch (err) {
          this.logFailure('userinfo', err);
        }
      }
      return {
        issuer: idClaims.iss,
        subject: idClaims.sub,
        email: text(claims.email, 320),
        emailVerified: claims.email_verified === true || claims.email_verified === 'true',
        name: text(claims.name, 200),
        roles: rolesFromClaim(claims[this.settings.rolesClaim]),
      };
    } catch (err) {
      this.logFailure('callback', err);
      if (err instanceof oidc.AuthorizationResponseError) {
        const code = /^[\w.-]{1,64}$/.test(err.error) ? err.error : 'error';
        throw new SsoRefusal(
          400,
          `the identity provider did not sign you in (${code}). Start again from the sign-in page.`,
        );
      }
      throw new SsoRefusal(
        400,
        'single sign-on did not complete: the answer from the identity provider did not check out. Start again ' +
          'from the sign-in page.',
      );
    }
  }

  /** The person the provider vouched for: by their identity there, else by a verified address, else someone new. */
  private async personFor(v: Vouched): Promise<UserCredentials> {
    let user = await this.users.bySso(v.issuer, v.subject);
    if (!user) {
      if (!v.email || !v.emailVerified) {
        throw new SsoRefusal(
          403,
          'the identity provider did not confirm an email address for you (the email and email_verified claims), ' +
            'so this sign-in cannot be matched to a person here',
        );
      }
      user = (await this.users.byEmail(v.email)) ?? (await this.create(v));
      if (user.sso) throw new SsoRefusal(403, `${user.email} already signs in with another single sign-on identity`);
      if (!user.active) throw deactivated();
      await this.users.linkSso(user.id, v.issuer, v.subject);
      await this.record(user, 'user.sso_linked', { issuer: v.issuer });
    }
    if (!user.active) throw deactivated();
    // A claim that names no role of ours refuses the sign-in and changes nothing (a person keeps at least one role).
    if (v.roles?.length === 0) throw this.noRole();
    if (v.roles && v.roles.join() !== user.roles.join()) {
      await this.users.update(user.id, { roles: v.roles });
      await this.record(user, 'user.updated', { from: { roles: user.roles }, change: { roles: v.roles } });
      user = { ...user, roles: v.roles };
    }
    return user;
  }

  /** Someone new, with the claim's roles; nobody is created without a role, since they could not sign in. */
  private async create(v: Vouched): Promise<UserCredentials> {
    if (!v.roles?.length) throw this.noRole();
    const created = await this.users.create({ email: v.email!, name: v.name ?? v.email!, roles: v.roles });
    // Only when someone took the address at this very moment (a second tab signing in).
    if (!created) throw new SsoRefusal(400, 'this sign-in raced another one for the same person: start again');
    await this.audit.record({
      actor: AUDIT_ACTOR,
      action: 'user.created',
      subjectType: 'user',
      subjectId: created.id,
      details: { email: created.email, roles: created.roles },
    });
    return (await this.users.get(created.id))!;
  }

  private noRole(): SsoRefusal {
    return new SsoRefusal(
      403,
      `you have no role here: the identity provider’s "${this.settings.rolesClaim}" claim must name at least one ` +
        `of ${ROLES.join(', ')}`,
    );
  }

  private async record(user: UserCredentials, action: string, details: Record<string, unknown>) {
    await this.audit.record({ actor: AUDIT_ACTOR, action, subjectType: 'user', subjectId: user.id, details });
  }

  /** What went wrong, without the tokens, the code or the secret: the error's kind and the provider's error code. */
  private logFailure(stage: string, err: unknown) {
    const e = err as { name?: string; code?: string; error?: string; cause?: { code?: string } };
    const error = { name: e.name, code: e.code, oauthError: e.error, cause: e.cause?.code };
    this.log.warn({ stage, error }, 'single sign-on failed');
  }
}

const deactivated = () => new SsoRefusal(403, 'this account is deactivated: ask an operator to reactivate it');

function safeJson(s: string): unknown {
  try {
    return JSON.parse(s);
  } catch {
    return undefined;
  }
}
