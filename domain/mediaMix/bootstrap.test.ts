import { createPrng } from '../modelEvaluation';
import { resampleBlocks } from './bootstrap';

describe('moving-block resampling of residuals', () => {
  const residuals = Array.from({ length: 100 }, (_, i) => i);

  it('keeps runs of consecutive days together, so a residual’s neighbours come with it', () => {
    const out = resampleBlocks(residuals, 14, createPrng(1));
    expect(out).toHaveLength(100);
    for (let start = 0; start < 100; start += 14) {
      const block = out.slice(start, Math.min(100, start + 14));
      block.forEach((v, i) => expect(v).toBe(block[0]! + i));
      expect(block[0]! + block.length - 1).toBeLessThan(100);
    }
  });

  it('draws the same blocks for the same seed and others for another seed', () => {
    expect(resampleBlocks(residuals, 7, createPrng(5))).toEqual(resampleBlocks(residuals, 7, createPrng(5)));
    expect(resampleBlocks(residuals, 7, createPrng(5))).not.toEqual(resampleBlocks(residuals, 7, createPrng(6)));
  });

  it('uses the whole series as one block when it is shorter than a block', () => {
    expect(resampleBlocks([1, 2, 3], 14, createPrng(1))).toEqual([1, 2, 3]);
  });
});
