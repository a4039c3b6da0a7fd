import { mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Command, Option } from 'commander';
import { exportPeft, importNpy, importPeft, PtuneError, type PromptManifestInput } from '@ptune/core';
import { addModelOptions, openModel, printJson, type ModelOptions } from '../shared-options.js';
import { readArtifact } from '../soft-prompt-file.js';
import { addTaskOptions, loadTask, type TaskFlags } from '../task-options.js';

export function exportPeftCommand(): Command {
  return new Command('export-peft')
    .description('export a prompt artifact as a Hugging Face PEFT prompt-tuning adapter (adapter_config.json + adapter_model.safetensors)')
    .requiredOption('--soft-prompt <file>', 'prompt artifact')
    .requiredOption('-o, --out <dir>', 'output folder')
    .option('--json', 'print {"out", "files"} on stdout')
    .action(async (flags: { softPrompt: string; out: string; json?: boolean }) => {
      const bytes = new Uint8Array(await readFile(flags.softPrompt));
      await readArtifact(flags.softPrompt); // a clear error before anything is written
      const files = exportPeft(bytes, { source: flags.softPrompt });
      await mkdir(flags.out, { recursive: true });
      for (const [name, content] of files) await writeFile(join(flags.out, name), content);
      if (flags.json) printJson({ out: flags.out, files: [...files.keys()] });
      else process.stdout.write(`wrote ${[...files.keys()].join(', ')} to ${flags.out}\n`);
    });
}

interface ImportFlags extends ModelOptions, TaskFlags {
  peft?: string;
  npy?: string;
  out: string;
  dtype: 'float32' | 'float16';
}

export function importCommand(): Command {
  return addTaskOptions(addModelOptions(new Command('import')))
    .description('import a PEFT prompt-tuning adapter folder or a .npy prompt (the paper code\'s format) as a prompt artifact for a model and task')
    .option('--peft <dir>', 'PEFT adapter folder')
    .option('--npy <file>', '.npy prompt [k, d_model]')
    .requiredOption('-o, --out <file>', 'artifact to write')
    .addOption(new Option('--dtype <dtype>', 'artifact precision').choices(['float32', 'float16']).default('float32'))
    .action(async (flags: ImportFlags) => {
      if (Boolean(flags.peft) === Boolean(flags.npy)) throw new PtuneError('INVALID_ARGUMENT', 'give exactly one of --peft DIR or --npy FILE');
      const { loaded } = await openModel(flags);
      const { task } = await loadTask(flags);
      const manifest: PromptManifestInput = {
        taskId: task.id,
        taskName: task.name,
        task,
        baseModel: flags.model,
        architecture: loaded.model.architecture,
        fingerprint: loaded.model.fingerprint,
        init: { method: 'from', from: flags.peft ?? flags.npy! },
        createdAt: new Date().toISOString(),
      };
      let bytes: Uint8Array;
      if (flags.npy) {
        bytes = importNpy(new Uint8Array(await readFile(flags.npy)), manifest, { source: flags.npy, dtype: flags.dtype });
      } else {
        const files = new Map<string, Uint8Array>();
        for (const name of await readdir(flags.peft!)) files.set(name, new Uint8Array(await readFile(join(flags.peft!, name))));
        bytes = importPeft(files, manifest, { source: flags.peft!, dtype: flags.dtype });
      }
      await writeFile(flags.out, bytes);
      const artifact = await readArtifact(flags.out);
      if (artifact.manifest.dModel !== loaded.model.dModel) throw new PtuneError('ARTIFACT_DIM_MISMATCH', `the imported prompt has d_model ${artifact.manifest.dModel}; the model has ${loaded.model.dModel}`);
      if (flags.json) printJson({ out: flags.out, sha256: artifact.sha256, promptLength: artifact.manifest.promptLength });
      else process.stdout.write(`wrote ${flags.out} (${artifact.manifest.promptLength} x ${artifact.manifest.dModel})\n`);
    });
}
