import { readinessInputFromProfile, seasonalityFromProfile } from './readinessInput';

test('reads the inputs from profile.readiness or the top level, naming what is missing or invalid', () => {
  const inputs = {
    searchVolumeTrend: 0.2,
    surveyedAwarenessPct: 55,
    competitorCount: 3,
    waitlistSize: 99,
    avgBudgetUsd: 150,
    priceUsd: 100,
    techAdoptionPct: 90,
    regulatoryBurden: 'low',
  };
  expect(readinessInputFromProfile({ readiness: inputs, other: 1 })).toEqual({ ok: true, input: inputs });
  expect(readinessInputFromProfile({ ...inputs, pitch: 'x' })).toEqual({ ok: true, input: inputs });
  expect(readinessInputFromProfile({})).toMatchObject({
    ok: false,
    missing: expect.arrayContaining(['priceUsd', 'regulatoryBurden']),
  });
  const bad = readinessInputFromProfile({ readiness: { ...inputs, priceUsd: undefined, techAdoptionPct: 140 } });
  expect(bad).toEqual({
    ok: false,
    missing: ['priceUsd'],
    problems: [expect.objectContaining({ path: 'techAdoptionPct' })],
  });
  expect(seasonalityFromProfile({ seasonality: new Array(12).fill(1) })).toHaveLength(12);
  expect(seasonalityFromProfile({ seasonality: [1, 2] })).toBeUndefined();
});
