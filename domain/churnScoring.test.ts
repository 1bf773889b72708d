import { trainChurnModel, type ChurnFeatures } from './churnModel';
import {
  churnReasons,
  churnRisk,
  featureRecord,
  heuristicChurnScore,
  isHighValue,
  scoresEventFeatures,
} from './churnScoring';

const calm: ChurnFeatures = {
  login_frequency_decline: 0,
  feature_usage_drop: 0,
  support_tickets_increase: 0,
  payment_failures: 0,
  nps_score_low: false,
  latest_nps_score: null,
};
const sigmoid = (z: number) => 1 / (1 + Math.exp(-z));

describe('heuristicChurnScore (worked examples)', () => {
  it('scores the documented cases', () => {
    expect(heuristicChurnScore(calm)).toBeCloseTo(sigmoid(-2.5), 12); // 0.0759
    expect(heuristicChurnScore({ ...calm, login_frequency_decline: 1, feature_usage_drop: 1 })).toBeCloseTo(
      sigmoid(1.5),
      12,
    ); // 0.8176
    expect(heuristicChurnScore({ ...calm, login_frequency_decline: 1 })).toBeCloseTo(sigmoid(-0.5), 12); // 0.3775
    expect(heuristicChurnScore({ ...calm, payment_failures: 1 })).toBeCloseTo(sigmoid(-1.3), 12); // 0.2142
    // Capped inputs: 9 tickets count as 5, 7 failures as 3.
    expect(heuristicChurnScore({ ...calm, support_tickets_increase: 9, payment_failures: 7 })).toBeCloseTo(
      sigmoid(-2.5 + 3 + 3.6),
      12,
    );
  });
});

describe('churnRisk', () => {
  it('uses a model trained on event features, and the heuristic for a model of other columns', () => {
    const rows = Array.from({ length: 60 }, (_, i) => {
      const decline = (i % 10) / 10;
      return featureRecord({ ...calm, login_frequency_decline: decline, feature_usage_drop: decline }, i % 10 >= 6);
    });
    const { model } = trainChurnModel(rows, { label: 'churned' });
    expect(scoresEventFeatures(model)).toBe(true);
    const risky = churnRisk({ ...calm, login_frequency_decline: 0.9, feature_usage_drop: 0.9 }, model);
    expect(risky.method).toBe('model');
    expect(risky.score).toBeGreaterThan(0.5);
    const other = trainChurnModel(
      Array.from({ length: 20 }, (_, i) => ({ csat: String(i), churned: i > 10 ? '1' : '0' })),
      { label: 'churned' },
    ).model;
    expect(scoresEventFeatures(other)).toBe(false);
    expect(churnRisk(calm, other)).toEqual({ score: heuristicChurnScore(calm), method: 'heuristic' });
  });

  it('explains a risk and tells high-value accounts', () => {
    expect(
      churnReasons({
        ...calm,
        payment_failures: 2,
        login_frequency_decline: 0.75,
        nps_score_low: true,
        latest_nps_score: 3,
      }),
    ).toEqual([
      '2 failed payment(s) in the last two weeks',
      'logins down 75% against their usual rate',
      'NPS detractor (latest score 3)',
    ]);
    expect(isHighValue({ mrr: 800 })).toBe(true);
    expect(isHighValue({ mrr: '120' })).toBe(false);
    expect(isHighValue({ high_value: true })).toBe(true);
  });
});
