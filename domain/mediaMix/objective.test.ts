import { fitSetup } from './fit';
import { identifyMediaMix } from './identify';
import { Objective } from './objective';
import { generateMediaMixData } from './synthetic';

describe('the fit’s objective', () => {
  const { days } = generateMediaMixData({
    seed: 4,
    days: 120,
    baseline: 100,
    noise: 0.1,
    channels: [
      {
        name: 'a',
        pattern: 'randomWalk',
        meanSpend: 500,
        truth: { decay: 0.4, halfSaturation: 600, shape: 1.4, maxEffect: 80 },
      },
      {
        name: 'b',
        pattern: 'flighting',
        meanSpend: 300,
        truth: { decay: 0.2, halfSaturation: 400, shape: 2.2, maxEffect: 60 },
      },
    ],
  });
  const data = identifyMediaMix(days);

  it('has the Jacobian of its residuals, as finite differences find it (with a maxEffect ridge too)', () => {
    const setup = fitSetup(data.spend, data.conversions, [{}, { maxEffect: 50, decay: 0.3 }]);
    const objective = new Objective(setup.spend, setup.y, setup.meanSpend, setup.priors, 25);
    const theta = Float64Array.from([-0.3, 0.2, 0.4, -1.1, -0.2, 0.7]);
    const { r } = objective.residuals(theta);
    const jacobian = objective.jacobian(theta, r);
    expect(objective.linear().maxEffects.every((m) => m > 0)).toBe(true);
    for (let j = 0; j < theta.length; j++) {
      const step = 1e-6;
      const up = theta.slice();
      up[j]! += step;
      const down = theta.slice();
      down[j]! -= step;
      const rUp = objective.residuals(up).r;
      const rDown = objective.residuals(down).r;
      let worst = 0;
      let scale = 0;
      for (let i = 0; i < r.length; i++) {
        const numeric = (rUp[i]! - rDown[i]!) / (2 * step);
        worst = Math.max(worst, Math.abs(numeric - jacobian[j]![i]!));
        scale = Math.max(scale, Math.abs(numeric));
      }
      expect(worst).toBeLessThan(1e-5 * scale);
    }
  });
});
