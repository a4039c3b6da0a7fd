import { mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Command, Option } from 'commander';
import { decodePromptArtifact, exportPeft, importNpy, importPeft, PtuneError, readPeftSidecar, type PromptManifestInput } from '@ptune/core';
import { NAMED_MODELS } from '@ptune/core/node';
import { addModelOptions, openModel, printJson, type ModelOptions } from '../shared-options.js';
import { readArtifact } from '../soft-prompt-file.js';
import { addTaskOptions, loadTask, type TaskFlags } from '../task-options.js';

export function exportPeftCommand(): Command {
  return new Command('export-peft')
    .description('export a prompt artifact as a Hugging Face PEFT prompt-tuning adapter (adapter_config.json + adapter_model.safetensors)')
    .requiredOption('--soft-prompt <file>', 'prompt artifact')
    .requiredOption('-o, --out <dir>', 'output folder')
    .option('--base-model <repo>', "base_model_name_or_path: the Hub repo id of the frozen model (default: the model's Hub id; stories260K: karpathy/tinyllamas)")
    .option('--json', 'print {"out", "files"} on stdout')
    .action(async (flags: { softPrompt: string; out: string; baseModel?: string; json?: boolean }) => {
      await readArtifact(flags.softPrompt); // a clear error before anything is written
      const bytes = new Uint8Array(await readFile(flags.softPrompt));
      const baseModel = flags.baseModel ?? hubRepoOf(decodePromptArtifact(bytes, flags.softPrompt).manifest.baseModel);
      const files = exportPeft(bytes, { source: flags.softPrompt, baseModelNameOrPath: baseModel });
      await mkdir(flags.out, { recursive: true });
      for (const [name, content] of files) await writeFile(join(flags.out, name), content);
      if (flags.json) printJson({ out: flags.out, baseModel, files: [...files.keys()] });
      else process.stdout.write(`wrote ${[...files.keys()].join(', ')} to ${flags.out}\n`);
    });
}

const REPO_ID = /^[\w.-]+\/[\w.-]+$/;

/**
 * The Hub repo of the model the artifact names: a known name's repo (stories260K:
 * karpathy/tinyllamas), a repo id itself. A local folder stays as it is (PEFT loads local paths
 * too), with a warning: only this machine can resolve it.
 */
function hubRepoOf(baseModel: string): string {
  if (Object.hasOwn(NAMED_MODELS, baseModel)) return NAMED_MODELS[baseModel as keyof typeof NAMED_MODELS].repo;
  if (REPO_ID.test(baseModel)) return baseModel;
  process.stderr.write(`warning: the prompt was trained on the local model "${baseModel}", not a Hub repo: base_model_name_or_path names that path; give --base-model OWNER/NAME to name the repo PEFT should load elsewhere\n`);
  return baseModel;
}

interface ImportFlags extends ModelOptions, TaskFlags {
  peft?: string;
  npy?: string;
  out: string;
  dtype: 'float32' | 'float16';
}

export function importCommand(): Command {
  return addTaskOptions(addModelOptions(new Command('import')))
    .description('import a PEFT prompt-tuning adapter folder or a .npy prompt (the paper code\'s format) as a prompt artifact; a folder written by export-peft carries its task (ptune_task.json), others need --task or --task-file')
    .option('--peft <dir>', 'PEFT adapter folder')
    .option('--npy <file>', '.npy prompt [k, d_model]')
    .requiredOption('-o, --out <file>', 'artifact to write')
    .addOption(new Option('--dtype <dtype>', 'artifact precision').choices(['float32', 'float16']).default('float32'))
    .action(async (flags: ImportFlags) => {
      if (Boolean(flags.peft) === Boolean(flags.npy)) throw new PtuneError('INVALID_ARGUMENT', 'give exactly one of --peft DIR or --npy FILE');
      const files = new Map<string, Uint8Array>();
      if (flags.peft) for (const name of await readdir(flags.peft)) files.set(name, new Uint8Array(await readFile(join(flags.peft, name))));
      const sidecar = flags.peft ? readPeftSidecar(files, flags.peft) : null;
      const { loaded } = await openModel(flags);
      const task = flags.task || flags.taskFile || !sidecar ? (await loadTask(flags)).task : sidecar.task;
      if (sidecar && sidecar.fingerprint !== loaded.model.fingerprint) {
        throw new PtuneError('ARTIFACT_FINGERPRINT_MISMATCH', `${flags.peft}: the prompt was trained on model ${sidecar.fingerprint} (${sidecar.baseModel}); --model ${flags.model} is ${loaded.model.fingerprint}`);
      }
      const manifest: PromptManifestInput = {
        ...(sidecar ?? {}),
        taskId: task.id,
        taskName: task.name,
        task,
        baseModel: flags.model,
        architecture: loaded.model.architecture,
        fingerprint: loaded.model.fingerprint,
        init: sidecar?.init ?? { method: 'from', from: flags.peft ?? flags.npy! },
        createdAt: sidecar?.createdAt ?? new Date().toISOString(),
      };
      const bytes = flags.npy
        ? importNpy(new Uint8Array(await readFile(flags.npy)), manifest, { source: flags.npy, dtype: flags.dtype })
        : importPeft(files, manifest, { source: flags.peft!, dtype: flags.dtype });
      await writeFile(flags.out, bytes);
      const artifact = await readArtifact(flags.out);
      if (artifact.manifest.dModel !== loaded.model.dModel) throw new PtuneError('ARTIFACT_DIM_MISMATCH', `the imported prompt has d_model ${artifact.manifest.dModel}; the model has ${loaded.model.dModel}`);
      if (flags.json) printJson({ out: flags.out, sha256: artifact.sha256, promptLength: artifact.manifest.promptLength });
      else process.stdout.write(`wrote ${flags.out} (${artifact.manifest.promptLength} x ${artifact.manifest.dModel})\n`);
    });
}
