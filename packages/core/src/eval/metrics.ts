/** Classification metrics from gold and predicted class indices. */
export interface ClassificationMetrics {
  readonly accuracy: number;
  /** Unweighted mean of per-class F1 (the CB metric). */
  readonly macroF1: number;
  readonly examples: number;
  /** confusion[gold][predicted] counts. */
  readonly confusion: number[][];
}

export function classificationMetrics(gold: readonly number[], predicted: readonly number[], classes: number): ClassificationMetrics {
  const confusion = Array.from({ length: classes }, () => new Array<number>(classes).fill(0));
  gold.forEach((g, i) => confusion[g]![predicted[i]!]!++);
  const correct = gold.filter((g, i) => g === predicted[i]).length;
  const f1s = confusion.map((row, c) => {
    const truePositive = row[c]!;
    const predictedC = confusion.reduce((sum, r) => sum + r[c]!, 0);
    const goldC = row.reduce((a, b) => a + b, 0);
    return truePositive === 0 ? 0 : (2 * truePositive) / (predictedC + goldC);
  });
  return {
    accuracy: gold.length === 0 ? 0 : correct / gold.length,
    macroF1: f1s.reduce((a, b) => a + b, 0) / classes,
    examples: gold.length,
    confusion,
  };
}

/** SQuAD-style answer normalisation: lower case, no punctuation, no articles, single spaces. */
export function normalizeAnswer(text: string): string {
  return text
    .toLowerCase()
    .replace(/[\p{P}\p{S}]/gu, '') // deleted, not spaced, as SQuAD's script does: "U.S." = "US"
    .replace(/\b(a|an|the)\b/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

export function exactMatch(prediction: string, references: readonly string[]): number {
  return references.some((r) => normalizeAnswer(r) === normalizeAnswer(prediction)) ? 1 : 0;
}

/** Token-overlap F1 against the best-matching reference. */
export function tokenF1(prediction: string, references: readonly string[]): number {
  const predicted = normalizeAnswer(prediction).split(' ').filter(Boolean);
  return Math.max(
    0,
    ...references.map((reference) => {
      const gold = normalizeAnswer(reference).split(' ').filter(Boolean);
      const counts = new Map<string, number>();
      for (const t of gold) counts.set(t, (counts.get(t) ?? 0) + 1);
      let common = 0;
      for (const t of predicted) {
        const left = counts.get(t) ?? 0;
        if (left > 0) {
          common++;
          counts.set(t, left - 1);
        }
      }
      if (common === 0) return 0;
      const precision = common / predicted.length;
      const recall = common / gold.length;
      return (2 * precision * recall) / (precision + recall);
    }),
  );
}
