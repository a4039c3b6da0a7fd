import { describe, expect, it } from 'vitest';
import { ropeInverseFrequencies } from './rope.js';

const relative = (a: number, b: number) => Math.abs(a - b) / Math.abs(b);

describe('ropeInverseFrequencies', () => {
  const headDim = 64;
  const ropeTheta = 500000;
  const plain = ropeInverseFrequencies({ headDim, ropeTheta, ropeScaling: { type: 'default' } });

  it('default: theta^(-2i/headDim), to float32 precision', () => {
    expect(plain).toHaveLength(headDim / 2);
    plain.forEach((inv, i) => expect(relative(inv, ropeTheta ** (-(2 * i) / headDim))).toBeLessThan(3e-7));
  });

  it('linear: every frequency divided by the factor', () => {
    const linear = ropeInverseFrequencies({ headDim, ropeTheta, ropeScaling: { type: 'linear', factor: 4 } });
    linear.forEach((inv, i) => expect(inv).toBe(Math.fround(plain[i]! / 4)));
  });

  it('llama3: short wavelengths kept, long ones divided by the factor, the band between blended', () => {
    const scaling = { type: 'llama3', factor: 8, lowFreqFactor: 1, highFreqFactor: 4, originalMaxPositionEmbeddings: 8192 } as const;
    const llama3 = ropeInverseFrequencies({ headDim, ropeTheta, ropeScaling: scaling });
    const regimes = { kept: 0, divided: 0, blended: 0 };
    plain.forEach((inv, i) => {
      const wavelength = (2 * Math.PI) / inv;
      const got = llama3[i]!;
      if (wavelength < 8192 / 4) {
        regimes.kept++;
        expect(got).toBe(inv);
      } else if (wavelength > 8192 / 1) {
        regimes.divided++;
        expect(got).toBe(Math.fround(inv / 8));
      } else {
        regimes.blended++;
        // smooth = (context / wavelength - low) / (high - low) interpolates between inv / factor and inv.
        const smooth = (8192 / wavelength - 1) / (4 - 1);
        expect(relative(got, (1 - smooth) * (inv / 8) + smooth * inv)).toBeLessThan(1e-6);
      }
    });
    expect(Object.values(regimes).every((n) => n > 0)).toBe(true);
  });
});
