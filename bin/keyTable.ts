/** One stored key as the list shows it: never the key, only the first characters kept to tell keys apart. */
export interface KeyRow {
  id: string;
  name: string;
  role: string;
  /** The address of the person the key belongs to; null for a role key of a local run. */
  owner: string | null;
  prefix: string;
  created_at: Date;
  revoked_at: Date | null;
}

const when = (d: Date | null, none: string) => (d ? d.toISOString().replace(/\.\d{3}Z$/, 'Z') : none);

/** A name is whatever keys:create was given: control characters would move the terminal's cursor. */
export const printable = (s: string) => s.replace(/[\u0000-\u001f\u007f-\u009f]/g, ' ');

/** The keys as aligned columns, a header first. */
export function formatKeys(rows: KeyRow[]): string {
  const table = [
    ['id', 'name', 'role', 'owner', 'prefix', 'created', 'revoked'],
    ...rows.map((k) => [
      k.id,
      printable(k.name),
      k.role,
      k.owner ?? '-',
      k.prefix,
      when(k.created_at, ''),
      when(k.revoked_at, 'active'),
    ]),
  ];
  const widths = table[0]!.map((_, i) => Math.max(...table.map((r) => r[i]!.length)));
  return table
    .map((r) =>
      r
        .map((cell, i) => cell.padEnd(widths[i]!))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}
