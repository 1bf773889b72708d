import type { Db } from '../db/knex';
import { AuditLog } from '../db/stores/audit';
import { PasswordResetStore, SessionStore, type SignInMethod } from '../db/stores/sessions';
import { publicUser, UserStore, type User } from '../db/stores/users';
import { SET_PASSWORD_PURPOSE } from '../domain/passwordLinks';
import type { LinkSigner } from '../infra/signing';
import { hashPassword, passwordMatches } from './passwords';

export interface SignInPolicy {
  sessionTtlMs: number;
  lockAfter: number;
  lockMs: number;
  resetTtlMs: number;
}

/** The answer to a sign-in: a session, a refusal, or a lock with how long it lasts. */
export type SignInResult =
  | { ok: true; user: User; token: string; sessionId: string; expiresAt: Date }
  | { ok: false; reason: 'invalid' }
  | { ok: false; reason: 'locked'; retryAfterSeconds: number };

/** Failures before the limit slow the next answer: 250 ms after the second wrong password, doubling, at most 2 s. */
export function slowdownMs(failures: number): number {
  return failures < 2 ? 0 : Math.min(2_000, 250 * 2 ** (failures - 2));
}

const CSRF = 'csrf';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Password sign-in with lockout, sessions, CSRF tokens and password resets. */
export class SignInService {
  private readonly users: UserStore;
  private readonly sessions: SessionStore;
  private readonly resets: PasswordResetStore;

  constructor(
    private readonly db: Db,
    private readonly signer: LinkSigner,
    private readonly policy: SignInPolicy,
  ) {
    this.users = new UserStore(db);
    this.sessions = new SessionStore(db);
    this.resets = new PasswordResetStore(db);
  }

  async withPassword(email: string, password: string, userAgent?: string): Promise<SignInResult> {
    const user = await this.users.byEmail(email);
    // A locked account answers the same whatever the password, so guessing on through the lock learns nothing.
    if (user?.lockedUntil && user.lockedUntil.getTime() > Date.now()) {
      return { ok: false, reason: 'locked', retryAfterSeconds: secondsUntil(user.lockedUntil) };
    }
    const matches = await passwordMatches(user?.passwordHash ?? null, password);
    if (!user || !user.active) return { ok: false, reason: 'invalid' };
    if (matches) return this.open(user.id, 'password', userAgent);
    const lockUntil = new Date(Date.now() + this.policy.lockMs);
    const failures = await this.users.recordFailure(user.id, this.policy.lockAfter, lockUntil);
    const locked = failures >= this.policy.lockAfter;
    await new AuditLog(this.db).record({
      ...asActor(user),
      action: locked ? 'user.locked' : 'user.sign_in_failed',
      subjectType: 'user',
      subjectId: user.id,
      details: { failures },
    });
    if (locked) return { ok: false, reason: 'locked', retryAfterSeconds: secondsUntil(lockUntil) };
    await sleep(slowdownMs(failures));
    return { ok: false, reason: 'invalid' };
  }

  /** Opens a session for a person already proven (a password, or the identity provider). */
  async open(userId: string, method: SignInMethod, userAgent?: string): Promise<SignInResult> {
    const user = await this.users.get(userId);
    if (!user || !user.active) return { ok: false, reason: 'invalid' };
    await this.users.recordSignIn(user.id);
    const { token, session } = await this.sessions.create(user.id, method, this.policy.sessionTtlMs, userAgent);
    await new AuditLog(this.db).record({
      ...asActor(user),
      via: 'dashboard',
      action: 'user.signed_in',
      subjectType: 'user',
      subjectId: user.id,
      details: { method },
    });
    return { ok: true, user: publicUser(user), token, sessionId: session.id, expiresAt: session.expiresAt };
  }

  async endSession(sessionId: string): Promise<void> {
    await this.sessions.revoke(sessionId);
  }

  async user(id: string): Promise<User | undefined> {
    const user = await this.users.get(id);
    return user ? publicUser(user) : undefined;
  }

  /** The CSRF token of a session: signed over its id, so it needs no storage and dies with the session. */
  csrfToken(sessionId: string): string {
    return this.signer.sign(CSRF, sessionId, this.policy.sessionTtlMs);
  }

  csrfMatches(sessionId: string, token: string | undefined): boolean {
    return typeof token === 'string' && token.length < 300 && this.signer.verify(CSRF, token) === sessionId;
  }

  /**
   * Starts a password reset for an address: the reset's id, for the email that carries its link, or undefined
   * when there is nobody active at that address (the caller answers the same either way).
   */
  async requestReset(email: string): Promise<{ resetId: string; userId: string } | undefined> {
    const user = await this.users.byEmail(email);
    if (!user || !user.active) return undefined;
    return this.newReset(user.id);
  }

  /** A reset for a person (also how someone given access without a password chooses their first). */
  async newReset(userId: string): Promise<{ resetId: string; userId: string }> {
    const { id } = await this.resets.create(userId, this.policy.resetTtlMs);
    return { resetId: id, userId };
  }

  /**
   * Sets a new password through a reset link, once: every session of the person ends and the lock is lifted.
   * Undefined when the link is forged, expired or used.
   */
  async completeReset(token: string, password: string): Promise<User | undefined> {
    const resetId = token.length < 300 ? this.signer.verify(SET_PASSWORD_PURPOSE, token) : undefined;
    if (!resetId) return undefined;
    const passwordHash = await hashPassword(password);
    return this.db.transaction(async (trx) => {
      const userId = await new PasswordResetStore(trx).use(resetId);
      if (!userId) return undefined;
      const users = new UserStore(trx);
      await users.setPassword(userId, passwordHash);
      await new SessionStore(trx).revokeAllFor(userId);
      const user = (await users.get(userId))!;
      await new AuditLog(trx).record({
        ...asActor(user),
        action: 'user.password_reset',
        subjectType: 'user',
        subjectId: user.id,
      });
      return publicUser(user);
    });
  }
}

/** A person acting on their own account, for its audit rows. */
const asActor = (user: User) => ({ actor: user.name, actorUserId: user.id, actorEmail: user.email });

const secondsUntil = (at: Date) => Math.max(1, Math.ceil((at.getTime() - Date.now()) / 1000));
