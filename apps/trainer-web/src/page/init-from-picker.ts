import { checkArtifactCompatibility, decodePromptArtifact, type PromptArtifact } from '@ptune/core/artifact';
import type { DataFile, ModelSummary } from '../protocol.js';
import { byId, input, showError } from './dom.js';

interface PickedArtifact {
  readonly file: DataFile;
  readonly artifact: PromptArtifact;
}

/**
 * Step 3's `from` initialisation: a prompt artifact from this device, decoded by the core and
 * checked against the loaded model. A prompt trained on other weights or another width is refused
 * here with the core's message (and again by the worker when training starts).
 */
export class InitFromPicker {
  private picked: PickedArtifact | null = null;

  constructor(private readonly model: () => ModelSummary | null) {
    input('init-from-file').addEventListener('change', () => void this.pick(input('init-from-file').files?.[0]));
  }

  private async pick(file: File | undefined): Promise<void> {
    this.picked = null;
    const status = byId('init-from-status');
    status.textContent = '';
    delete status.dataset.sha256;
    showError(byId('config-error'), null);
    if (!file) return;
    try {
      this.use({ name: file.name, contents: new Uint8Array(await file.arrayBuffer()) });
    } catch (caught) {
      showError(byId('config-error'), caught);
    }
  }

  /** Decodes and checks `file`; throws (keeping nothing) when it cannot start this model's prompt. */
  private use(file: DataFile): void {
    const artifact = decodePromptArtifact(file.contents, file.name);
    this.check({ file, artifact });
    this.picked = { file, artifact };
    const { manifest } = artifact;
    const status = byId('init-from-status');
    status.textContent = `Starting from ${file.name}: the prompt of task "${manifest.taskId}" (${manifest.promptLength} vectors of ${manifest.dModel}, trained on ${manifest.baseModel}), cycled or cut to the prompt length.`;
    status.dataset.sha256 = artifact.sha256;
  }

  private check(picked: PickedArtifact): void {
    const model = this.model();
    if (model) checkArtifactCompatibility(picked.artifact, model, picked.file.name);
  }

  /** The artifact a `from` run starts from; throws naming the problem when none fits the loaded model. */
  chosen(): DataFile {
    if (!this.picked) throw new Error('initialisation "from": choose a prompt artifact (.safetensors) in step 3');
    this.check(this.picked);
    return this.picked.file;
  }

  /** Shows a saved run's artifact again (after a reload). */
  restore(file: DataFile | undefined): void {
    if (!file) return;
    try {
      this.use(file);
    } catch (caught) {
      showError(byId('config-error'), caught);
    }
  }
}
