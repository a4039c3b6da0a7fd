/**
 * The multiple-choice task of the README's example (docs/examples/copa-like): a COPA-style task
 * written by hand, shared by the CLI and edge tests.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from './run-cli.js';

export const COPA_TASK_FILE = join(REPO_ROOT, 'docs/examples/copa-like/task.json');
export const COPA_TASK = (JSON.parse(readFileSync(COPA_TASK_FILE, 'utf8')) as { task: { id: string; candidates: string[]; wording: { question: Record<string, string> } } }).task;
