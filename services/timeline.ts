import type { Db } from '../db/knex';

export const TIMELINE_KINDS = ['event', 'message', 'enrollment.started', 'enrollment.ended', 'subscription'] as const;
export type TimelineKind = (typeof TIMELINE_KINDS)[number];

export interface TimelineItem {
  at: string;
  kind: TimelineKind;
  /** What happened, by kind: an event's name and properties, a message's template and status, and so on. */
  data: Record<string, unknown>;
}

/** Where a timeline page ends: the last item's time (to the microsecond) and its tie-breaking key. */
export interface TimelineKey {
  at: string;
  ref: string;
}

/** An opaque cursor: base64url of the key's JSON. */
export const encodeCursor = (key: object): string => Buffer.from(JSON.stringify(key)).toString('base64url');

/** The key inside a cursor, or undefined when it is not one this product made (the caller answers 400). */
export function decodeCursor<K extends string>(cursor: string, fields: readonly K[]): Record<K, string> | undefined {
  if (!/^[A-Za-z0-9_-]{1,400}$/.test(cursor)) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null) return undefined;
  const obj = parsed as Record<string, unknown>;
  for (const f of fields) if (typeof obj[f] !== 'string' || (obj[f] as string).length > 200) return undefined;
  return Object.fromEntries(fields.map((f) => [f, obj[f] as string])) as Record<K, string>;
}

const AT = `to_char(%s AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;
const at = (column: string) => AT.replace('%s', column);

/**
 * Everything that happened to one contact, newest first: their events, the messages of the message log with their
 * status, enrollments starting and ending, and subscription changes. One query over the five sources, each read
 * through its (contact_id, time) index; `ref` breaks ties between items at the same microsecond.
 */
export async function contactTimeline(
  db: Db,
  contactId: string,
  page: { limit: number; before?: TimelineKey },
): Promise<{ items: TimelineItem[]; next: TimelineKey | null }> {
  const sources = `
    SELECT occurred_at AS at, 'event' AS kind, 'e' || lpad(id::text, 20, '0') AS ref,
           jsonb_build_object('id', id, 'name', name, 'properties', properties) AS data
      FROM events WHERE contact_id = ?
    UNION ALL
    SELECT created_at, 'message', 'm' || id::text,
           jsonb_build_object('id', id, 'channel', channel, 'template', template, 'subject', subject, 'status', status,
             'sequenceKey', sequence_key, 'marketing', marketing, 'sentAt', sent_at, 'deliveredAt', delivered_at,
             'openedAt', opened_at, 'clickedAt', clicked_at, 'bouncedAt', bounced_at, 'complainedAt', complained_at,
             'unsubscribedAt', unsubscribed_at, 'error', error)
      FROM email_outbox WHERE contact_id = ?
    UNION ALL
    SELECT enrolled_at, 'enrollment.started', 's' || id::text,
           jsonb_build_object('sequenceKey', sequence_key, 'version', sequence_version, 'workflowId', workflow_id,
             'holdout', holdout)
      FROM enrollments WHERE contact_id = ?
    UNION ALL
    SELECT ended_at, 'enrollment.ended', 'x' || id::text,
           jsonb_build_object('sequenceKey', sequence_key, 'status', status, 'exitReason', exit_reason)
      FROM enrollments WHERE contact_id = ? AND ended_at IS NOT NULL
    UNION ALL
    SELECT at, 'subscription', 'c' || lpad(id::text, 20, '0'),
           jsonb_build_object('change', change, 'topic', topic, 'source', source, 'actor', actor, 'actorRole', actor_role)
      FROM contact_subscription_changes WHERE contact_id = ?`;
  // Positional bindings: the time format's colons would read as named ones.
  const { rows } = await db.raw(
    `SELECT ${at('at')} AS at, kind, ref, data FROM (${sources}) t
      ${page.before ? 'WHERE (t.at, ref) < (CAST(? AS timestamptz), ?)' : ''}
      ORDER BY t.at DESC, ref DESC LIMIT ?`,
    [...Array<string>(5).fill(contactId), ...(page.before ? [page.before.at, page.before.ref] : []), page.limit + 1],
  );
  const list = rows as { at: string; kind: TimelineKind; ref: string; data: Record<string, unknown> }[];
  const shown = list.slice(0, page.limit);
  const last = shown[shown.length - 1];
  return {
    items: shown.map(({ at: when, kind, data }) => ({ at: when, kind, data })),
    next: list.length > page.limit && last ? { at: last.at, ref: last.ref } : null,
  };
}
