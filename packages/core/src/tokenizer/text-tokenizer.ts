/**
 * Text <-> token ids for Llama-family and T5 models, on the Transformers.js tokenizer engine
 * (`@huggingface/tokenizers`). User text is never parsed into special tokens: a literal "<s>" or
 * "<extra_id_0>" is tokenized as characters, as llama2.c's encoder does (see special-tokens.ts).
 */
import { PtuneError } from '../errors.js';
import { createEngine, type TokenizerEngine } from './engine.js';
import { llama2cToTokenizerJson, parseLlama2cTokenizer } from './llama2c-tokenizer.js';
import { parseSentencePieceModel } from './sentencepiece-model.js';
import { sentencePieceToTokenizerJson, type SentencePieceConversionOptions } from './sentencepiece-tokenizer-json.js';
import { planSpecialTokens, type SpecialTokenPlan } from './special-tokens.js';
import type { TokenizerConfigLike } from './tokenizer-config.js';
import { tokenFrequencyOrder } from './frequency-order.js';
import { validateTokenizerJson } from './tokenizer-json.js';

export interface EncodeOptions {
  /** Prepend BOS (default: the config's add_bos_token, else the tokenizer.json's template, else true; T5: false). */
  addBos?: boolean;
  /** Append EOS (default: the config's add_eos_token, else the tokenizer.json's template, else false; T5: true). */
  addEos?: boolean;
}

export interface DecodeOptions {
  /** Drop BOS/EOS/UNK/PAD and other special tokens from the text (default true). */
  skipSpecialTokens?: boolean;
}

/** Lone UTF-16 surrogates; a C program such as llama2.c receives them as U+FFFD's UTF-8 bytes. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/**
 * Encodes/decodes text for one model. Build it with {@link TextTokenizer.fromTokenizerJson},
 * {@link TextTokenizer.fromLlama2cFile} (reproduces llama2.c's encode() for tok512.bin) or
 * {@link TextTokenizer.fromSentencePieceModel} (T5's spiece.model, as Hugging Face's T5 tokenizer).
 */
export class TextTokenizer {
  /** Number of token ids (largest id + 1). */
  readonly vocabSize: number;
  /**
   * BOS; a tokenizer without one (T5) reports its pad id, the token T5's decoder starts from
   * (see {@link hasBos}).
   */
  readonly bosId: number;
  /** False for tokenizers without a BOS token (T5): `encode(..., { addBos: true })` is then an error. */
  readonly hasBos: boolean;
  readonly eosId: number;
  /** Undefined when the tokenizer has no padding token (Llama and llama2.c have none). */
  readonly padId: number | undefined;
  readonly unkId: number | undefined;
  /** Where the tokenizer came from, for error messages. */
  readonly source: string;
  readonly #engine: TokenizerEngine;
  readonly #plan: SpecialTokenPlan;
  readonly #addBos: boolean;
  readonly #addEos: boolean;
  readonly #cleanUpSpaces: boolean;
  #frequencyOrder: number[] | undefined;

  private constructor(engine: TokenizerEngine, plan: SpecialTokenPlan, config: TokenizerConfigLike, source: string) {
    this.#engine = engine;
    this.#plan = plan;
    this.vocabSize = plan.vocabSize;
    const bosId = plan.bosId ?? plan.padId;
    if (bosId === undefined) throw new PtuneError('TOKENIZER_INVALID', `${source}: the tokenizer has neither a BOS nor a PAD token (set bos_token in the tokenizer config)`);
    this.bosId = bosId;
    this.hasBos = plan.bosId !== undefined;
    this.eosId = plan.eosId;
    this.padId = plan.padId;
    this.unkId = plan.unkId;
    this.source = source;
    this.#addBos = plan.addBos;
    this.#addEos = plan.addEos;
    this.#cleanUpSpaces = config.clean_up_tokenization_spaces ?? false;
  }

  /**
   * Builds a tokenizer from a parsed `tokenizer.json` (e.g. from the Hub) plus optional
   * `tokenizer_config.json` fields. BOS/EOS default to "<s>"/"</s>". Throws TOKENIZER_INVALID
   * naming `source`.
   */
  static fromTokenizerJson(json: unknown, source: string, config: TokenizerConfigLike = {}): TextTokenizer {
    const plan = planSpecialTokens(validateTokenizerJson(json, source), config, source);
    return new TextTokenizer(createEngine(plan.engineJson, plan.engineConfig, source), plan, config, source);
  }

  /** Builds a tokenizer from a llama2.c tokenizer file (`tok512.bin`, `tokenizer.bin`) of `vocabSize` tokens. */
  static fromLlama2cFile(bytes: Uint8Array, vocabSize: number, source: string): TextTokenizer {
    return TextTokenizer.fromTokenizerJson(llama2cToTokenizerJson(parseLlama2cTokenizer(bytes, vocabSize, source), source), source);
  }

  /**
   * Builds T5's tokenizer from a SentencePiece Unigram `.model` file (`spiece.model`): the
   * tokenizer.json Hugging Face's `T5TokenizerFast` converts it to (see
   * sentencepiece-tokenizer-json.ts), EOS appended by default, no BOS, `<extra_id_N>` sentinels
   * after the pieces. Throws TOKENIZER_INVALID naming `source`.
   */
  static fromSentencePieceModel(bytes: Uint8Array, source: string, options: SentencePieceConversionOptions = {}): TextTokenizer {
    const model = parseSentencePieceModel(bytes, source);
    const { bosId, eosId, unkId, padId } = model.trainerSpec;
    const pieceOf = (id: number): string | null => (id >= 0 ? model.pieces[id]!.piece : null);
    const eos = pieceOf(eosId);
    if (eos === null) throw new PtuneError('TOKENIZER_INVALID', `${source}: the SentencePiece model has no end-of-sequence piece (eos_id -1)`);
    return TextTokenizer.fromTokenizerJson(sentencePieceToTokenizerJson(model, source, options), source, {
      bos_token: pieceOf(bosId),
      eos_token: eos,
      unk_token: pieceOf(unkId),
      pad_token: pieceOf(padId),
      add_bos_token: false,
      add_eos_token: true,
    });
  }

  /**
   * Token ids for `text`. Special-token text in it ("<s>", "</s>", "<unk>") is encoded as ordinary
   * characters. A literal '▁' (U+2581), the vocab's space symbol, encodes like a space, as in
   * Hugging Face and SentencePiece (llama2.c, whose file stores plain spaces, byte-encodes it).
   */
  encode(text: string, options: EncodeOptions = {}): number[] {
    if (typeof text !== 'string') {
      throw new PtuneError('INVALID_ARGUMENT', `encode() expects text to be a string, got ${typeof text}`);
    }
    const wellFormed = text.replace(LONE_SURROGATE, '\uFFFD');
    const ids: number[] = wellFormed.length === 0 ? [] : this.#engine.encode(wellFormed, { add_special_tokens: false }).ids;
    const unmapped = ids.findIndex((id) => !Number.isInteger(id));
    if (unmapped >= 0) {
      throw new PtuneError('TOKENIZER_INVALID', `${this.source}: token ${unmapped} of the encoding has no id and the model has no unk token`);
    }
    const addBos = options.addBos ?? this.#addBos;
    if (addBos && !this.hasBos) throw new PtuneError('INVALID_ARGUMENT', `encode(): ${this.source} has no BOS token to add (addBos must be false)`);
    const bos = addBos ? [this.bosId] : [];
    const eos = (options.addEos ?? this.#addEos) ? [this.eosId] : [];
    return [...bos, ...ids, ...eos];
  }

  /**
   * Text for `ids`. As in llama2.c, the text right after a BOS loses one leading space (the
   * dummy prefix), and byte-fallback tokens are joined into UTF-8 before decoding, so
   * `decode(encode(s))` returns `s` (encode adds BOS by default). Without a BOS the leading
   * space is kept, so decoded continuations can be appended to the prompt text. Tokenizers
   * with a Metaspace decoder (T5) drop the first token's leading space instead, as Hugging Face does.
   */
  decode(ids: readonly number[], options: DecodeOptions = {}): string {
    const skipSpecial = options.skipSpecialTokens ?? true;
    const parts: string[] = [];
    let run: number[] = [];
    let runFollowsBos = false;
    let atStart = true;
    const flush = (): void => {
      if (run.length === 0) return;
      let text = this.#engine.decode(run, { skip_special_tokens: false, clean_up_tokenization_spaces: this.#cleanUpSpaces });
      for (let i = 0; runFollowsBos && i < this.#plan.stripAfterBos && text.startsWith(' '); i++) text = text.slice(1);
      if (atStart && this.#plan.stripAtStart && text.startsWith(' ')) text = text.slice(1);
      parts.push(text);
      atStart = false;
      run = [];
    };
    ids.forEach((id, position) => {
      this.#checkId(id, `ids[${position}]`);
      const special = this.#plan.specials.get(id);
      if (special !== undefined) {
        flush();
        if (!skipSpecial) {
          parts.push(special);
          atStart = false;
        }
      } else {
        if (run.length === 0) runFollowsBos = this.hasBos && position > 0 && ids[position - 1] === this.bosId;
        run.push(id);
      }
    });
    flush();
    return parts.join('');
  }

  /** The token string for `id` ('▁' for spaces, "<0x41>" for bytes), or undefined if out of range. */
  idToToken(id: number): string | undefined {
    if (!Number.isInteger(id) || id < 0 || id >= this.vocabSize) return undefined;
    return this.#plan.specials.get(id) ?? this.#engine.id_to_token(id);
  }

  /** The id of a token string (as {@link idToToken} spells it), or undefined. */
  tokenToId(token: string): number | undefined {
    for (const [id, content] of this.#plan.specials) if (content === token) return id;
    return this.#engine.token_to_id(token);
  }

  /** Ordinary token ids, most common first (see `tokenFrequencyOrder`). */
  frequencyOrder(): number[] {
    this.#frequencyOrder ??= tokenFrequencyOrder(this.#plan.engineJson, new Set(this.#plan.specials.keys()));
    return [...this.#frequencyOrder];
  }

  /** True for BOS/EOS/UNK/PAD and tokens marked special in the tokenizer.json. */
  isSpecialId(id: number): boolean {
    return this.#plan.specials.has(id);
  }

  #checkId(id: number, where: string): void {
    if (!Number.isInteger(id)) throw new PtuneError('INVALID_ARGUMENT', `decode(): ${where} must be an integer token id, got ${id}`);
    if (id < 0 || id >= this.vocabSize) {
      throw new PtuneError('TOKEN_ID_OUT_OF_RANGE', `decode(): ${where} is ${id}, expected 0..${this.vocabSize - 1} for ${this.source}`);
    }
    if (!this.#plan.specials.has(id) && this.#engine.id_to_token(id) === undefined) {
      throw new PtuneError('TOKEN_ID_OUT_OF_RANGE', `decode(): ${where} is ${id}, which no token of ${this.source} has`);
    }
  }
}
