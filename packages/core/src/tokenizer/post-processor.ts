/**
 * Which special tokens a tokenizer.json's post-processor puts around a single sequence: what
 * Hugging Face adds with `add_special_tokens=True`, and so the default BOS/EOS of TextTokenizer.
 */
import type { TokenizerJsonComponent } from './tokenizer-json.js';

/** Special token contents before and after the text (`<s> $A </s>` -> before ["<s>"], after ["</s>"]). */
export interface SequenceFrame {
  readonly before: readonly string[];
  readonly after: readonly string[];
}

const NOTHING: SequenceFrame = { before: [], after: [] };

function templateFrame(processor: TokenizerJsonComponent): SequenceFrame | null {
  if (!Array.isArray(processor['single'])) return null;
  const steps = processor['single'] as Array<Record<string, { id?: unknown } | undefined>>;
  const sequenceAt = steps.findIndex((step) => step['Sequence'] !== undefined);
  if (sequenceAt < 0) return null;
  const specialsIn = (part: typeof steps): string[] =>
    part.flatMap((step) => (typeof step['SpecialToken']?.id === 'string' ? [step['SpecialToken'].id] : []));
  return { before: specialsIn(steps.slice(0, sequenceAt)), after: specialsIn(steps.slice(sequenceAt + 1)) };
}

/** BertProcessing / RobertaProcessing: `cls` and `sep` as `[content, id]`. */
function clsSepFrame(processor: TokenizerJsonComponent): SequenceFrame | null {
  const [cls, sep] = [processor['cls'], processor['sep']];
  const content = (pair: unknown): string | null => (Array.isArray(pair) && typeof pair[0] === 'string' ? pair[0] : null);
  const [before, after] = [content(cls), content(sep)];
  return before === null || after === null ? null : { before: [before], after: [after] };
}

/**
 * The frame of `postProcessor`, looking inside `Sequence` processors (Llama 3 writes
 * Sequence[ByteLevel, TemplateProcessing]). `ByteLevel` adds nothing. Null when there is no
 * post-processor or one this reader does not know (the caller then falls back to Llama's `<s>`).
 */
export function postProcessorFrame(postProcessor: TokenizerJsonComponent | null): SequenceFrame | null {
  switch (postProcessor?.type) {
    case 'TemplateProcessing':
      return templateFrame(postProcessor);
    case 'BertProcessing':
    case 'RobertaProcessing':
      return clsSepFrame(postProcessor);
    case 'ByteLevel':
      return NOTHING;
    case 'Sequence': {
      const processors = Array.isArray(postProcessor['processors']) ? (postProcessor['processors'] as TokenizerJsonComponent[]) : [];
      const frames = processors.map(postProcessorFrame);
      if (frames.some((frame) => frame === null)) return null;
      // Each processor wraps what the ones before it produced.
      return (frames as SequenceFrame[]).reduce((inner, outer) => ({ before: [...outer.before, ...inner.before], after: [...inner.after, ...outer.after] }), NOTHING);
    }
    default:
      return null;
  }
}
