import { Algorithm, hash, verify } from '@node-rs/argon2';

/** OWASP's first Argon2id setting: 19 MiB, two passes, one lane (about 50 ms here). */
const ARGON2ID = { algorithm: Algorithm.Argon2id, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

export const PASSWORD_MIN = 10;
export const PASSWORD_MAX = 200;

/** Why a new password is refused, or undefined when it will do. */
export function passwordProblem(password: string): string | undefined {
  if (password.length < PASSWORD_MIN) return `must be at least ${PASSWORD_MIN} characters`;
  if (password.length > PASSWORD_MAX) return `must be at most ${PASSWORD_MAX} characters`;
  if (new Set(password).size < 4) return 'must not repeat one or two characters';
  return undefined;
}

export const hashPassword = (password: string): Promise<string> => hash(password, ARGON2ID);

// Checked against when the address is unknown, so an unknown address takes as long as a wrong password.
let decoy: Promise<string> | undefined;

/** Whether the password matches the stored hash; with no hash, a decoy check of the same cost, then false. */
export async function passwordMatches(stored: string | null, password: string): Promise<boolean> {
  if (password.length > PASSWORD_MAX) return false;
  if (!stored) {
    await verify(await (decoy ??= hashPassword('decoy password that matches nothing')), password).catch(() => false);
    return false;
  }
  return verify(stored, password).catch(() => false);
}
