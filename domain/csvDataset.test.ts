import { buildDesignMatrix, encodeRow, fitEncoder, parseLabel, type CsvRecord } from './csvDataset';

const records: CsvRecord[] = [
  { plan: 'pro', seats: '1', region: 'eu', months_active: '3', churned: '1.0' },
  { plan: 'free', seats: '2', region: 'us', months_active: '9', churned: '0.0' },
  { plan: 'pro', seats: '3', region: 'eu', months_active: '4', churned: 'yes' },
];

describe('parseLabel', () => {
  it.each([
    ['1', 1],
    ['1.0', 1],
    ['true', 1],
    ['TRUE', 1],
    ['yes', 1],
    [' Yes ', 1],
    ['0', 0],
    ['0.0', 0],
    ['false', 0],
    ['no', 0],
  ])('reads %p as %p', (text, expected) => {
    expect(parseLabel(text)).toBe(expected);
  });

  it.each(['', '2', 'maybe', '0.5', undefined])('rejects %p', (text) => {
    expect(() => parseLabel(text)).toThrow(/label value/);
  });
});

describe('fitEncoder / encodeRow', () => {
  const encoder = fitEncoder(records, { label: 'churned', exclude: ['months_active'] });

  it('standardises numeric columns with the population standard deviation', () => {
    // seats 1, 2, 3: mean 2, variance (1 + 0 + 1) / 3 = 2/3, std = 0.8165
    const seats = encoder.columns.find((c) => c.name === 'seats');
    expect(seats).toEqual({ kind: 'numeric', name: 'seats', mean: 2, std: Math.sqrt(2 / 3) });
  });

  it('one-hot encodes every level, leaves out the label and excluded columns', () => {
    expect(encoder.featureNames).toEqual(['plan=free', 'plan=pro', 'seats', 'region=eu', 'region=us']);
    // pro, seats 3 -> (3 - 2) / 0.8165 = 1.2247, eu
    const row = encodeRow(encoder, { plan: 'pro', seats: '3', region: 'eu', months_active: '99' });
    expect(row[0]).toBe(0);
    expect(row[1]).toBe(1);
    expect(row[2]).toBeCloseTo(1.2247, 4);
    expect(row.slice(3)).toEqual([1, 0]);
  });

  it('encodes unseen levels and missing cells as zeros', () => {
    expect(encodeRow(encoder, { plan: 'enterprise', region: 'apac' })).toEqual([0, 0, 0, 0, 0]);
  });

  it('survives a JSON round trip', () => {
    const restored = JSON.parse(JSON.stringify(encoder)) as typeof encoder;
    for (const record of records) expect(encodeRow(restored, record)).toEqual(encodeRow(encoder, record));
  });

  it('gives a constant column std 1 so it encodes as 0', () => {
    const enc = fitEncoder(
      [
        { k: '5', y: '1' },
        { k: '5', y: '0' },
      ],
      { label: 'y' },
    );
    expect(enc.columns).toEqual([{ kind: 'numeric', name: 'k', mean: 5, std: 1 }]);
    expect(encodeRow(enc, { k: '5' })).toEqual([0]);
  });

  it('treats forced columns as categorical even when numeric-looking', () => {
    const enc = fitEncoder(records, {
      label: 'churned',
      exclude: ['months_active', 'plan', 'region'],
      categorical: ['seats'],
    });
    expect(enc.featureNames).toEqual(['seats=1', 'seats=2', 'seats=3']);
  });

  it('rejects a missing label column and an empty data set', () => {
    expect(() => fitEncoder(records, { label: 'cancelled' })).toThrow(/label column/);
    expect(() => fitEncoder([], { label: 'churned' })).toThrow(/no records/);
  });
});

describe('buildDesignMatrix', () => {
  it('returns one vector and one 0/1 label per record', () => {
    const { X, y, encoder } = buildDesignMatrix(records, { label: 'churned', exclude: ['months_active'] });
    expect(X).toHaveLength(3);
    expect(X.every((row) => row.length === encoder.featureNames.length)).toBe(true);
    expect(y).toEqual([1, 0, 1]);
  });

  it('names the record with an unreadable label', () => {
    const bad = [...records, { plan: 'pro', seats: '1', region: 'eu', churned: 'unknown' }];
    expect(() => buildDesignMatrix(bad, { label: 'churned' })).toThrow(/record 4: label value "unknown"/);
  });
});
