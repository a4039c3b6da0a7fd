import { loadModel, memoryFileSource, requireTokenizer, type FileSource, type FrozenLanguageModel, type LoadedModel, type TextTokenizer } from '@ptune/core';
import { PtuneError } from '@ptune/core';
import type { ModelSource, ModelSummary, SavedModelSource } from '../protocol.js';
import { urlFileSource, type DownloadProgress } from './url-file-source.js';

export interface ActiveModel {
  readonly model: FrozenLanguageModel;
  readonly tokenizer: TextTokenizer;
  readonly summary: ModelSummary;
  readonly saved: SavedModelSource;
}

function fileSource(source: ModelSource, onProgress: (p: DownloadProgress) => void): FileSource {
  if (source.kind === 'url') {
    let base: URL;
    try {
      base = new URL(source.baseUrl);
    } catch {
      throw new PtuneError('INVALID_ARGUMENT', `model URL must be an http(s) URL, got ${JSON.stringify(source.baseUrl)}`);
    }
    if (base.protocol !== 'http:' && base.protocol !== 'https:') throw new PtuneError('INVALID_ARGUMENT', `model URL must be http(s), got ${base.protocol}`);
    if (source.files.length === 0) throw new PtuneError('INVALID_ARGUMENT', 'name the model files to download (e.g. stories260K.bin, tok512.bin)');
    return urlFileSource(source.baseUrl, source.files, onProgress);
  }
  if (source.files.length === 0) throw new PtuneError('INVALID_ARGUMENT', 'choose the checkpoint and tokenizer files');
  return memoryFileSource(new Map(source.files.map((f) => [f.name, new Uint8Array(f.bytes)])), `local files (${source.files.map((f) => f.name).join(', ')})`);
}

function savedSource(source: ModelSource): SavedModelSource {
  return source.kind === 'url' ? source : { kind: 'local', names: source.files.map((f) => f.name), name: source.name };
}

/** The frozen model the worker trains against; loading a new one disposes the old. */
export class ModelState {
  private active: ActiveModel | null = null;
  private lastSource: ModelSource | null = null;

  async load(source: ModelSource, onProgress: (p: DownloadProgress) => void): Promise<ModelSummary> {
    const loaded: LoadedModel = await loadModel(fileSource(source, onProgress));
    const tokenizer = requireTokenizer(loaded);
    this.active?.model.dispose();
    const { model } = loaded;
    this.active = {
      model,
      tokenizer,
      saved: savedSource(source),
      summary: { name: source.name, source: loaded.source, format: loaded.format, fingerprint: model.fingerprint, architecture: model.architecture, dModel: model.dModel, vocabSize: model.vocabSize, maxSeqLen: model.maxSeqLen },
    };
    this.lastSource = source;
    return this.active.summary;
  }

  /** Reloads the last model (after a backend switch its weights must live on the new backend). */
  async reload(onProgress: (p: DownloadProgress) => void): Promise<ModelSummary | null> {
    return this.lastSource ? this.load(this.lastSource, onProgress) : null;
  }

  current(): ActiveModel {
    if (!this.active) throw new PtuneError('CHECKPOINT_NOT_FOUND', 'load a model first (step 1)');
    return this.active;
  }

  loaded(): boolean {
    return this.active !== null;
  }
}
