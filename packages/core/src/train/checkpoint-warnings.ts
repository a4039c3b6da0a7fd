import type { FrozenLanguageModel } from '../model/language-model.js';

/** A plain T5 1.1 checkpoint id or folder (`t5-v1_1-base`, `t5_v1.1`), not its LM-adapted variant. */
const SPAN_CORRUPTION_ONLY = /t5[-_]v1[._]1/i;
const LM_ADAPTED = /lm[-_]?adapt/i;

/**
 * Paper-aware warnings before prompt tuning, for names the checkpoint goes by (the id or folder
 * it was loaded from, the config's `_name_or_path`). Lester et al. (2021, section 3.2) found that
 * T5 1.1 checkpoints pre-trained on span corruption alone often never produce a legal label when
 * prompt-tuned; their "LM adaptation" fixed it.
 */
export function promptTuningWarnings(model: Pick<FrozenLanguageModel, 'architecture'>, modelNames: ReadonlyArray<string | undefined>): string[] {
  if (model.architecture !== 't5') return [];
  const names = modelNames.filter((name): name is string => typeof name === 'string' && name.length > 0);
  const plain = names.find((name) => SPAN_CORRUPTION_ONLY.test(name) && !LM_ADAPTED.test(name));
  if (!plain || names.some((name) => LM_ADAPTED.test(name))) return [];
  return [
    `${plain} looks like a plain T5 1.1 checkpoint (span corruption only): the prompt-tuning paper found these often never produce a legal label; ` +
      'prefer an LM-adapted checkpoint such as google/t5-base-lm-adapt (also t5-small/large/xl/xxl-lm-adapt) or a Flan-T5 model',
  ];
}
