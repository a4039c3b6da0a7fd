export { parseSafetensors, serializeSafetensors, toFloat32, float16ToFloat32, float32ToFloat16 } from './safetensors.js';
export type { SafetensorsDtype, SafetensorsEntry, SafetensorsFile, SafetensorsTensorInput } from './safetensors.js';
