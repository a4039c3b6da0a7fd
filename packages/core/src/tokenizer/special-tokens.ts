/**
 * Special tokens, and the working copy of a tokenizer.json that keeps them out of user text.
 *
 * `@huggingface/tokenizers` 0.2.0 splits every input on the contents of all `added_tokens`
 * (special or not; it has no `split_special_tokens` switch), so a literal "<s>" typed by a user
 * would become BOS. The engine is therefore built from a copy in which special tokens are not
 * added tokens, and their vocab entries are renamed to sentinels that well-formed text cannot
 * contain (lone surrogates), so no model (BPE merges, a Unigram lattice) can produce them either.
 * TextTokenizer adds BOS/EOS by id and maps special ids back to their contents itself.
 */
import { PtuneError } from '../errors.js';
import { postProcessorFrame } from './post-processor.js';
import type { TokenizerConfigLike } from './tokenizer-config.js';
import type { TokenizerJson, TokenizerJsonComponent, TokenizerJsonModel } from './tokenizer-json.js';

export interface SpecialTokenPlan {
  /** What `@huggingface/tokenizers` is built from: specials unmatchable, no post-processor. */
  readonly engineJson: TokenizerJson;
  readonly engineConfig: Record<string, unknown>;
  /** Special token contents by id. */
  readonly specials: ReadonlyMap<number, string>;
  /** Undefined when the tokenizer has no BOS token (T5). */
  readonly bosId: number | undefined;
  readonly eosId: number;
  readonly unkId: number | undefined;
  readonly padId: number | undefined;
  readonly vocabSize: number;
  readonly addBos: boolean;
  readonly addEos: boolean;
  /** Leading spaces to strip from text right after BOS (the Llama decoder's final Strip step). */
  readonly stripAfterBos: number;
  /** Strip the first decoded token's leading space (a Metaspace decoder, as T5's). */
  readonly stripAtStart: boolean;
}

const sentinel = (id: number): string => `\uDBFF<special ${id}>\uDBFF`;

const tokenName = (value: TokenizerConfigLike['bos_token']): string | undefined =>
  typeof value === 'string' ? value : (value?.content ?? undefined);

function findId(json: TokenizerJson, content: string): number | undefined {
  const added = json.added_tokens.find((t) => t.content === content);
  if (added) return added.id;
  const vocab = json.model.vocab;
  if (Array.isArray(vocab)) {
    const index = vocab.findIndex(([piece]) => piece === content);
    return index >= 0 ? index : undefined;
  }
  return Object.hasOwn(vocab, content) ? vocab[content] : undefined;
}

function requireId(json: TokenizerJson, name: string, role: string, source: string): number {
  const id = findId(json, name);
  if (id === undefined) {
    throw new PtuneError('TOKENIZER_INVALID', `${source}: ${role} token ${JSON.stringify(name)} is neither in added_tokens nor in the vocab (set ${role.toLowerCase()}_token in the tokenizer config)`);
  }
  return id;
}

/**
 * A Metaspace decoder strips the first token's leading space, but the engine would do that for
 * every run of text between special tokens: the engine gets a plain '▁' -> ' ' instead and
 * TextTokenizer strips once, at the start, as Hugging Face does.
 */
function splitMetaspace(decoder: TokenizerJsonComponent | null): { decoder: TokenizerJsonComponent | null; stripAtStart: boolean } {
  if (decoder?.type !== 'Metaspace') return { decoder, stripAtStart: false };
  const replacement = typeof decoder['replacement'] === 'string' ? decoder['replacement'] : '\u2581';
  const prepends = decoder['prepend_scheme'] !== 'never' && decoder['add_prefix_space'] !== false;
  return { decoder: { type: 'Replace', pattern: { String: replacement }, content: ' ' }, stripAtStart: prepends };
}

/** Drops a trailing `Strip(' ', n, 0)` decoder step, which TextTokenizer applies only after BOS. */
function splitStrip(decoder: TokenizerJsonComponent | null): { decoder: TokenizerJsonComponent | null; stripAfterBos: number } {
  const steps = decoder?.type === 'Sequence' && Array.isArray(decoder['decoders']) ? (decoder['decoders'] as TokenizerJsonComponent[]) : null;
  const last = steps?.at(-1);
  const isLeadingSpaceStrip = last?.type === 'Strip' && last['content'] === ' ' && !last['stop'] && typeof last['start'] === 'number';
  if (!decoder || !steps || !last || !isLeadingSpaceStrip) return { decoder, stripAfterBos: 0 };
  return { decoder: { ...decoder, decoders: steps.slice(0, -1) }, stripAfterBos: last['start'] as number };
}

/** Resolves BOS/EOS/UNK/PAD and builds the engine's working copy of `json` (see the file comment). */
export function planSpecialTokens(json: TokenizerJson, config: TokenizerConfigLike, source: string): SpecialTokenPlan {
  const model = json.model;
  const frame = postProcessorFrame(json.post_processor);
  // Without a tokenizer config, the post-processor says which specials frame a sequence (T5: only "</s>" after it).
  const bosName = config.bos_token === null ? undefined : (tokenName(config.bos_token) ?? (frame ? frame.before[0] : '<s>'));
  const bosId = bosName === undefined ? undefined : requireId(json, bosName, 'BOS', source);
  const eosId = requireId(json, tokenName(config.eos_token) ?? frame?.after.at(-1) ?? '</s>', 'EOS', source);
  const padName = tokenName(config.pad_token);
  const padId = padName !== undefined ? requireId(json, padName, 'PAD', source) : config.pad_token === null ? undefined : findId(json, '<pad>');
  const unkName = tokenName(config.unk_token) ?? (typeof model['unk_token'] === 'string' ? model['unk_token'] : undefined);
  const unkId = unkName !== undefined ? findId(json, unkName) : typeof model['unk_id'] === 'number' ? model['unk_id'] : findId(json, '<unk>');

  const specials = new Map<number, string>();
  for (const token of json.added_tokens) if (token.special === true) specials.set(token.id, token.content);
  const vocabEntries: Array<[string, number]> = Array.isArray(model.vocab) ? model.vocab.map(([piece], id) => [piece, id]) : Object.entries(model.vocab);
  const pieceById = new Map(vocabEntries.map(([piece, id]) => [id, piece]));
  for (const id of [bosId, eosId, unkId, padId]) {
    if (id !== undefined && !specials.has(id)) specials.set(id, pieceById.get(id) ?? json.added_tokens.find((t) => t.id === id)?.content ?? '');
  }

  const engineModel: TokenizerJsonModel = Array.isArray(model.vocab)
    ? { ...model, vocab: model.vocab.map(([piece, score], id): [string, number] => [specials.has(id) ? sentinel(id) : piece, score]) }
    : { ...model, vocab: Object.fromEntries(vocabEntries.map(([piece, id]) => [specials.has(id) ? sentinel(id) : piece, id])) };
  if (typeof model['unk_token'] === 'string') {
    const id = findId(json, model['unk_token']);
    if (id !== undefined && specials.has(id)) engineModel['unk_token'] = sentinel(id);
  }
  const { decoder: withoutMetaspace, stripAtStart } = splitMetaspace(json.decoder);
  const { decoder, stripAfterBos } = splitStrip(withoutMetaspace);
  const engineJson: TokenizerJson = {
    ...json,
    added_tokens: json.added_tokens.filter((t) => !specials.has(t.id)),
    post_processor: null,
    decoder,
    model: engineModel,
  };
  const addBos = config.add_bos_token ?? (frame ? frame.before.length > 0 : true);
  if (addBos && bosId === undefined) throw new PtuneError('TOKENIZER_INVALID', `${source}: add_bos_token is true but the tokenizer has no BOS token`);
  const maxId = [...vocabEntries.map(([, id]) => id), ...json.added_tokens.map((t) => t.id)].reduce((a, b) => Math.max(a, b), -1);
  return {
    engineJson,
    // The Unigram model looks its end-of-sentence token up by name.
    engineConfig: { eos_token: sentinel(eosId), clean_up_tokenization_spaces: false },
    specials,
    bosId,
    eosId,
    unkId,
    padId,
    vocabSize: maxId + 1,
    addBos,
    addEos: config.add_eos_token ?? (frame ? frame.after.length > 0 : false),
    stripAfterBos,
    stripAtStart,
  };
}
