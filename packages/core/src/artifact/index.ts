export {
  ARTIFACT_FORMAT_VERSION,
  MANIFEST_METADATA_KEY,
  MAX_D_MODEL,
  parseManifest,
  validateManifest,
} from './manifest.js';
export type { ArtifactArchitecture, ArtifactDtype, ManifestPromptInit, PromptManifest, TrainingSummary } from './manifest.js';
export {
  DEFAULT_MAX_ARTIFACT_BYTES,
  PROMPT_TENSOR_NAME,
  checkArtifactCompatibility,
  decodePromptArtifact,
  encodePromptArtifact,
} from './prompt-artifact.js';
export type {
  ArtifactModelIdentity,
  DecodePromptArtifactOptions,
  EncodePromptArtifactInput,
  PromptArtifact,
  PromptManifestInput,
} from './prompt-artifact.js';
export { PEFT_CONFIG_FILE, PEFT_WEIGHTS_FILE, exportPeft, importPeft } from './peft.js';
export { PEFT_MODEL_CARD_FILE, PEFT_SIDECAR_FILE, peftModelCard, readPeftSidecar } from './peft-sidecar.js';
export type { PeftExportOptions, PeftImportDefaults, PeftImportOptions } from './peft.js';
export { importNpy, parseNpy } from './npy.js';
export type { ImportNpyOptions, NpyArray } from './npy.js';
