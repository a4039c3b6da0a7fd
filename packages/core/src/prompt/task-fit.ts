import type { TaskIssue } from '@ptune/contracts';
import type { FrozenLanguageModel } from '../model/language-model.js';
import { fillTemplate } from '../task/format-input.js';
import { taskFields, type TaskConfig } from '../task/task-config.js';
import type { TextTokenizer } from '../tokenizer/text-tokenizer.js';
import { inputTokenBudget } from './sequence-layout.js';

/**
 * The checks of a task that need the model and its tokenizer (the schema alone cannot make them):
 * verbalizer texts that encode to no token, labels or a generation length that leave no room for
 * an input after a prompt of `promptLength`, a template whose fixed text alone does not fit. Every
 * issue at once, in the schema's issue form (paths prefixed by `at`, e.g. "task").
 */
export function taskFitIssues(task: TaskConfig, tokenizer: TextTokenizer, model: Pick<FrozenLanguageModel, 'maxSeqLen' | 'architecture'>, promptLength: number, at = 'task'): TaskIssue[] {
  const issues: TaskIssue[] = [];
  const path = (key: string) => (at ? `${at}.${key}` : key);
  if (task.kind === 'language-modeling') {
    if (task.windowTokens !== undefined && task.windowTokens + promptLength + 1 > model.maxSeqLen) {
      issues.push({ path: path('windowTokens'), expected: `at most ${model.maxSeqLen - promptLength - 1} (context ${model.maxSeqLen} minus a prompt of ${promptLength} and one input token)`, got: String(task.windowTokens) });
    }
    return issues;
  }
  let longestTarget = 1;
  if (task.kind === 'classification') {
    for (const [label, text] of Object.entries(task.verbalizer)) {
      const tokens = tokenizer.encode(text, { addBos: false, addEos: false }).length;
      if (tokens === 0) issues.push({ path: `${path('verbalizer')}.${label}`, expected: 'a text that encodes to at least one token', got: JSON.stringify(text) });
      longestTarget = Math.max(longestTarget, tokenizer.encode(text, { addBos: false }).length);
    }
  }
  if (task.kind === 'generation') longestTarget = task.maxNewTokens;
  const budget = inputTokenBudget(model as FrozenLanguageModel, promptLength, longestTarget);
  const fixed = tokenizer.encode(fillTemplate(task.template, Object.fromEntries(taskFields(task).map((f) => [f, '']))), { addBos: tokenizer.hasBos }).length;
  if (budget < 2) {
    const key = task.kind === 'generation' ? 'maxNewTokens' : 'verbalizer';
    issues.push({ path: path(key), expected: `targets that leave room for an input: a context of ${model.maxSeqLen} minus a prompt of ${promptLength}`, got: `targets of ${longestTarget} tokens` });
  } else if (fixed > budget) {
    issues.push({ path: path('template'), expected: `fixed text of at most ${budget} tokens (what the context leaves after the prompt and the longest target)`, got: `${fixed} tokens` });
  }
  return issues;
}
