import { nnls } from './nnls';

describe('non-negative least squares', () => {
  // A ridge of 1e-12 of the diagonal keeps collinear columns solvable: answers are exact to about 12 digits.
  it('gives the unconstrained solution when it is non-negative', () => {
    // G = [[2, 1], [1, 2]], h = [4, 5]: G⁻¹h = (1, 2).
    const beta = nnls(Float64Array.from([2, 1, 1, 2]), Float64Array.from([4, 5]), 2);
    expect(beta[0]).toBeCloseTo(1, 9);
    expect(beta[1]).toBeCloseTo(2, 9);
  });

  it('holds a variable at zero when the unconstrained solution would make it negative, and re-solves the rest', () => {
    // Unconstrained G⁻¹h = (4/3, -5/3); with β₂ = 0 the best β₁ is h₁ / G₁₁ = 0.5.
    const beta = nnls(Float64Array.from([2, 1, 1, 2]), Float64Array.from([1, -2]), 2);
    expect(beta[0]).toBeCloseTo(0.5, 9);
    expect(beta[1]).toBe(0);
  });

  it('answers zero when every direction makes the loss worse', () => {
    expect(Array.from(nnls(Float64Array.from([1, 0, 0, 1]), Float64Array.from([-1, -3]), 2))).toEqual([0, 0]);
  });
});
