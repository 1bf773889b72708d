import { EVENT_FEATURE_LABELS } from './churnFeatures';
import { trainChurnModel, type ChurnFeatures, type ChurnModel } from './churnModel';
import {
  CHURN_RISK_THRESHOLD,
  churnReasons,
  churnRisk,
  churnRiskLevel,
  featureRecord,
  heuristicChurnScore,
  isHighValue,
  scoresEventFeatures,
  topChurnFactors,
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

describe('topChurnFactors', () => {
  /** A model over four event features, with round statistics so the contributions can be worked by hand. */
  const model: ChurnModel = {
    version: 1,
    kind: 'logistic',
    l2: 1,
    bias: -1,
    weights: [1.5, 0.8, -0.4, 0.5],
    encoder: {
      version: 1,
      label: 'churned',
      columns: [
        { kind: 'numeric', name: 'login_frequency_decline', mean: 0.2, std: 0.4 },
        { kind: 'numeric', name: 'payment_failures', mean: 0.1, std: 0.5 },
        { kind: 'numeric', name: 'nps_score_low', mean: 0.25, std: 0.5 },
        { kind: 'numeric', name: 'feature_usage_drop', mean: 0.3, std: 0.3 },
      ],
      featureNames: ['login_frequency_decline', 'payment_failures', 'nps_score_low', 'feature_usage_drop'],
    },
  };
  const rounded = (factors: ReturnType<typeof topChurnFactors>) =>
    factors.map((f) => ({ ...f, contribution: Math.round(f.contribution * 1e9) / 1e9 }));

  it('weighs each feature by the model (weight x standardised value) and names the three that raise the risk most', () => {
    const f = { ...calm, login_frequency_decline: 1, payment_failures: 1, feature_usage_drop: 0.45 };
    // login 1.5 * (1 - 0.2) / 0.4 = 3; payments 0.8 * (1 - 0.1) / 0.5 = 1.44; usage 0.5 * (0.45 - 0.3) / 0.3 = 0.25;
    // no detractor: -0.4 * (0 - 0.25) / 0.5 = 0.2, the fourth.
    expect(rounded(topChurnFactors(f, model))).toEqual([
      {
        feature: 'login_frequency_decline',
        label: EVENT_FEATURE_LABELS.login_frequency_decline,
        value: 1,
        contribution: 3,
      },
      { feature: 'payment_failures', label: EVENT_FEATURE_LABELS.payment_failures, value: 1, contribution: 1.44 },
      {
        feature: 'feature_usage_drop',
        label: EVENT_FEATURE_LABELS.feature_usage_drop,
        value: 0.45,
        contribution: 0.25,
      },
    ]);
    // They are what the score is made of.
    expect(churnRisk(f, model).score).toBeCloseTo(sigmoid(-1 + 3 + 1.44 + 0.2 + 0.25), 12);
  });

  it('leaves out what lowers the risk', () => {
    // A calm contact sits below the training mean on three features; only "no detractor" (negative weight) adds.
    expect(rounded(topChurnFactors(calm, model))).toEqual([
      { feature: 'nps_score_low', label: EVENT_FEATURE_LABELS.nps_score_low, value: 0, contribution: 0.2 },
    ]);
  });

  it('explains a heuristic score by its own weights times the capped values', () => {
    const f = { ...calm, login_frequency_decline: 0.6, support_tickets_increase: 9, nps_score_low: true };
    const factors = topChurnFactors(f);
    expect(rounded(factors)).toEqual([
      {
        feature: 'support_tickets_increase',
        label: EVENT_FEATURE_LABELS.support_tickets_increase,
        value: 9,
        contribution: 3,
      },
      {
        feature: 'login_frequency_decline',
        label: EVENT_FEATURE_LABELS.login_frequency_decline,
        value: 0.6,
        contribution: 1.2,
      },
      { feature: 'nps_score_low', label: EVENT_FEATURE_LABELS.nps_score_low, value: 1, contribution: 1 },
    ]);
    expect(heuristicChurnScore(f)).toBeCloseTo(sigmoid(-2.5 + 3 + 1.2 + 1), 12);
  });

  it('reads a CSV-mapped model’s features within the range it was trained on', () => {
    const mapped: ChurnModel = {
      version: 1,
      kind: 'logistic',
      l2: 1,
      bias: 0,
      weights: [1],
      encoder: {
        version: 1,
        label: 'churned',
        columns: [{ kind: 'numeric', name: 'support_tickets_increase', mean: 0.2, std: 0.4 }],
        featureNames: ['support_tickets_increase'],
      },
      eventMapping: {
        columns: [
          {
            column: 'minutes_customer_support',
            feature: 'support_tickets_increase',
            transform: 'above_zero',
            min: 0,
            max: 1,
          },
        ],
        dropped: [],
      },
    };
    // Four extra tickets score as one: the training data only knew "contacted support or not".
    const four = churnRisk({ ...calm, support_tickets_increase: 4 }, mapped);
    expect(four).toEqual({ score: sigmoid((1 - 0.2) / 0.4), method: 'model' });
    expect(topChurnFactors({ ...calm, support_tickets_increase: 4 }, mapped)).toEqual([
      expect.objectContaining({ feature: 'support_tickets_increase', value: 1 }),
    ]);
  });
});

describe('churnRiskLevel', () => {
  it('is high above the intervention threshold, medium from even odds, low below', () => {
    expect(CHURN_RISK_THRESHOLD).toBe(0.7);
    expect(churnRiskLevel(0.71)).toBe('high');
    expect(churnRiskLevel(0.7)).toBe('medium'); // the scan intervenes above 0.7, not at it
    expect(churnRiskLevel(0.5)).toBe('medium');
    expect(churnRiskLevel(0.49)).toBe('low');
  });
});
