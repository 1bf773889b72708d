import { foldBatch, typeCell, validateRow } from './contactImport';

const checks = { isValidTimeZone: (tz: string) => ['UTC', 'Europe/Berlin'].includes(tz) };

describe('typeCell', () => {
  it.each([
    ['42', 42],
    ['-3', -3],
    ['4.50', 4.5],
    ['0123', '0123'],
    ['12345678901234567890', '12345678901234567890'],
    ['TRUE', true],
    ['false', false],
    ['2026-11-01T10:00:00Z', '2026-11-01T10:00:00Z'],
    ['', undefined],
    ['1e5', '1e5'],
  ])('%j becomes %j', (cell, typed) => expect(typeCell(cell)).toEqual(typed));
});

describe('validateRow', () => {
  it('splits reserved columns (any case, with underscores) from traits', () => {
    const r = validateRow(
      1,
      { ID: 'u1', Email: 'a@example.com', time_zone: 'UTC', venture_id: '', Plan: 'pro', seats: '3' },
      'csv',
      checks,
    );
    expect(r).toEqual({
      ok: true,
      value: { row: 1, externalId: 'u1', email: 'a@example.com', timezone: 'UTC', traits: { Plan: 'pro', seats: 3 } },
    });
  });

  it('rejects with the field and a reason', () => {
    expect(validateRow(2, { email: 'nope' }, 'csv', checks)).toMatchObject({
      ok: false,
      rejection: { row: 2, field: 'email' },
    });
    expect(validateRow(3, { id: 'x', timezone: 'Nowhere/City' }, 'csv', checks)).toMatchObject({
      rejection: { field: 'timezone' },
    });
    expect(validateRow(4, { id: 'x', ventureId: 'acme' }, 'csv', checks)).toMatchObject({
      rejection: { field: 'ventureId' },
    });
    expect(validateRow(5, { plan: 'pro' }, 'csv', checks)).toMatchObject({ rejection: { field: 'id' } });
    expect(validateRow(6, { id: 'x'.repeat(201) }, 'csv', checks)).toMatchObject({ rejection: { field: 'id' } });
    expect(validateRow(7, { id: 'x', traits: [1] }, 'ndjson', checks)).toMatchObject({
      rejection: { field: 'traits' },
    });
    expect(validateRow(8, { id: 'x', locale: 'not a locale!' }, 'csv', checks)).toMatchObject({
      rejection: { field: 'locale' },
    });
  });

  it('keeps NDJSON values as given and merges the traits object', () => {
    expect(
      validateRow(1, { id: 7, plan: 'pro', traits: { seats: '3', tags: ['a'] }, locale: 'de' }, 'ndjson', checks),
    ).toEqual({
      ok: true,
      value: { row: 1, externalId: '7', traits: { plan: 'pro', seats: '3', tags: ['a'], locale: 'de' } },
    });
  });
});

describe('foldBatch', () => {
  it('folds rows for one contact as successive upserts would leave it', () => {
    const folded = foldBatch([
      { row: 1, externalId: 'a', email: 'a@example.com', timezone: 'UTC', traits: { plan: 'free', seats: 1 } },
      { row: 2, externalId: 'b', email: 'b@example.com', traits: {} },
      { row: 3, externalId: 'a', traits: { plan: 'pro' } },
    ]);
    expect(folded).toEqual([
      { externalId: 'a', email: 'a@example.com', timezone: 'UTC', traits: { plan: 'pro', seats: 1 }, rows: [1, 3] },
      { externalId: 'b', email: 'b@example.com', traits: {}, rows: [2] },
    ]);
  });
});
