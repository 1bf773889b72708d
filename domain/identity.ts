export const ROLES = ['marketer', 'chairman', 'operator'] as const;
export type Role = (typeof ROLES)[number];

/** How a person acted: signed in to the dashboard, with an API key, or by a text or voice command. */
export type Via = 'dashboard' | 'api_key' | 'command';

/**
 * Who is asking. `userId` and `email` are the person's; both are null for the role keys a local run writes, which
 * belong to nobody. `roles` are everything the person may do; `role` is the one this request acts in.
 */
export interface Identity {
  userId: string | null;
  name: string;
  email: string | null;
  roles: Role[];
  role: Role;
  via: Via;
  keyId?: string;
  sessionId?: string;
}

/** Who acted, as every audit row, decision and budget change records it. */
export interface Actor {
  actor: string;
  actorRole: string;
  actorUserId: string | null;
  actorEmail: string | null;
  via: Via | null;
}

export function actorFrom(identity: Identity | undefined): Actor {
  if (!identity) return { actor: 'anonymous', actorRole: 'none', actorUserId: null, actorEmail: null, via: null };
  return {
    actor: identity.name,
    actorRole: identity.role,
    actorUserId: identity.userId,
    actorEmail: identity.email,
    via: identity.via,
  };
}

/** An actor that is not a person (the demo loader, a test): a name and a role. */
export const namedActor = (actor: string, actorRole: string): Actor => ({
  actor,
  actorRole,
  actorUserId: null,
  actorEmail: null,
  via: null,
});

/** The person as the workflows carry them next to a display name: enough to name them in an audit row. */
export interface Person {
  userId: string | null;
  email: string | null;
  via: Via | null;
}

export const personOf = (a: Actor): Person => ({ userId: a.actorUserId, email: a.actorEmail, via: a.via });

/** `{ person }` when there is one: what a workflow adds to an activity's input so its audit row names them. */
export const withPerson = (p: Person | undefined): { person?: Person } => (p ? { person: p } : {});

/** An audit row's person fields from a workflow's `person`, when it carries one. */
export const auditPerson = (p: Person | undefined) =>
  p ? { actorUserId: p.userId, actorEmail: p.email, via: p.via } : {};
