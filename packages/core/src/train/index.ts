/**
 * `@ptune/core/train`: training (gradients, optimizers, the loop). Kept out of the main entry because
 * it registers TensorFlow.js's gradients through the umbrella package, which inference (the edge
 * Worker) does not need.
 */
export { AdafactorOptimizer, AdamOptimizer, createOptimizer, DEFAULT_ADAFACTOR_CONFIG, DEFAULT_ADAM_CONFIG, DEFAULT_OPTIMIZER_CONFIG, resolveOptimizerConfig } from './optim/index.js';
export type { AdafactorConfig, AdamConfig, Optimizer, OptimizerConfig, OptimizerConfigInput, OptimizerName, OptimizerSlot, OptimizerState } from './optim/index.js';
export { DEFAULT_TRAIN_CONFIG, resolveTrainConfig } from './train-config.js';
export type { TrainConfig } from './train-config.js';
export { runTrainingLoop } from './train-loop.js';
export type { TrainEvent, TrainingObjective, TrainLoopOptions, TrainLoopResult } from './train-loop.js';
export { decodeTrainingState, encodeTrainingState } from './training-state.js';
export type { EvalRecord, TrainingState } from './training-state.js';
export { prepareLanguageModeling, prepareTask, targetLoss, trainFullModel, trainPrompt } from './train-prompt.js';
export { promptTuningWarnings } from './checkpoint-warnings.js';
export type { FullModelTrainingOptions, PreparedTask, PromptTrainingOptions, PromptTrainingResult } from './train-prompt.js';

