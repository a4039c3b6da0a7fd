import { Command } from 'commander';
import { addModelOptions, openModel, parseNumber, printJson, type ModelOptions } from '../shared-options.js';
import { addTaskOptions, loadTask, type TaskFlags } from '../task-options.js';
import { taskReport, taskReportText } from '../task-report.js';

interface ValidateFlags extends ModelOptions, TaskFlags {
  promptLength: number;
}

export function validateCommand(): Command {
  return addTaskOptions(addModelOptions(new Command('validate')))
    .description('check a task and its data before training: every schema problem at once, then three examples exactly as the model receives them, token counts, labels, duplicates and skipped rows')
    .option('-k, --prompt-length <k>', 'prompt vectors the inputs must leave room for', parseNumber('--prompt-length', { integer: true, min: 1 }), 20)
    .action(async (flags: ValidateFlags) => {
      const data = await loadTask(flags); // the task file and every data file, before any model work
      const { loaded } = await openModel(flags);
      const report = taskReport(data, loaded, flags.promptLength);
      if (flags.json) return printJson(report);
      process.stdout.write(taskReportText(report));
    });
}
