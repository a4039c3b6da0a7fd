/**
 * SentencePiece `.model` files (e.g. T5's `spiece.model`): a serialized `ModelProto` from
 * sentencepiece_model.proto. Only the fields a tokenizer needs are read; defaults are the
 * proto's own (a field absent from the file means its default).
 */
import { PtuneError } from '../errors.js';
import { int32Of, protobufFields, type ProtobufField } from './protobuf-reader.js';

export const SENTENCEPIECE_PIECE_TYPES = ['NORMAL', 'UNKNOWN', 'CONTROL', 'USER_DEFINED', 'UNUSED', 'BYTE'] as const;
export type SentencePiecePieceType = (typeof SENTENCEPIECE_PIECE_TYPES)[number];

export const SENTENCEPIECE_MODEL_TYPES = ['UNIGRAM', 'BPE', 'WORD', 'CHAR'] as const;
export type SentencePieceModelType = (typeof SENTENCEPIECE_MODEL_TYPES)[number];

export interface SentencePiecePiece {
  readonly piece: string;
  /** float32 log probability (Unigram) or merge rank score (BPE). */
  readonly score: number;
  readonly type: SentencePiecePieceType;
}

export interface SentencePieceTrainerSpec {
  readonly modelType: SentencePieceModelType;
  readonly vocabSize: number;
  /** Special ids; -1 means the model has no such token. */
  readonly unkId: number;
  readonly bosId: number;
  readonly eosId: number;
  readonly padId: number;
  readonly byteFallback: boolean;
  readonly treatWhitespaceAsSuffix: boolean;
}

export interface SentencePieceNormalizerSpec {
  /** Rule set name, e.g. "nmt_nfkc". */
  readonly name: string;
  /** The compiled rules: a double-array trie plus replacement strings (see precompiled-charsmap.ts). */
  readonly precompiledCharsmap: Uint8Array;
  readonly addDummyPrefix: boolean;
  readonly removeExtraWhitespaces: boolean;
  readonly escapeWhitespaces: boolean;
}

/** The parts of a SentencePiece ModelProto that tokenizers use. */
export interface SentencePieceModel {
  readonly pieces: readonly SentencePiecePiece[];
  readonly trainerSpec: SentencePieceTrainerSpec;
  readonly normalizerSpec: SentencePieceNormalizerSpec;
}

// Field numbers from sentencepiece_model.proto.
const MODEL = { pieces: 1, trainerSpec: 2, normalizerSpec: 3 } as const;
const PIECE = { piece: 1, score: 2, type: 3 } as const;
const TRAINER = { modelType: 3, vocabSize: 4, treatWhitespaceAsSuffix: 24, byteFallback: 35, unkId: 40, bosId: 41, eosId: 42, padId: 43 } as const;
const NORMALIZER = { name: 1, precompiledCharsmap: 2, addDummyPrefix: 3, removeExtraWhitespaces: 4, escapeWhitespaces: 5 } as const;
/** Enum values of SentencePiece.Type, by wire value. */
const PIECE_TYPE_BY_VALUE: Record<number, SentencePiecePieceType> = { 1: 'NORMAL', 2: 'UNKNOWN', 3: 'CONTROL', 4: 'USER_DEFINED', 5: 'UNUSED', 6: 'BYTE' };

const invalid = (source: string, detail: string): PtuneError =>
  new PtuneError('TOKENIZER_INVALID', `${source}: not a SentencePiece model: ${detail}`);

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Reads fields of known numbers, checking each has the wire type the schema gives it. */
class FieldReader {
  constructor(
    private readonly where: string,
    private readonly source: string,
  ) {}

  bytes(field: ProtobufField, name: string): Uint8Array {
    if (field.wireType !== 'bytes') throw this.#wrongType(field, name, 'length-delimited');
    return field.value;
  }

  text(field: ProtobufField, name: string): string {
    try {
      return utf8.decode(this.bytes(field, name));
    } catch (error) {
      if (error instanceof PtuneError) throw error;
      throw invalid(this.source, `${this.where}.${name} is not valid UTF-8`);
    }
  }

  int32(field: ProtobufField, name: string): number {
    if (field.wireType !== 'varint') throw this.#wrongType(field, name, 'varint');
    return int32Of(field);
  }

  bool(field: ProtobufField, name: string): boolean {
    return this.int32(field, name) !== 0;
  }

  float(field: ProtobufField, name: string): number {
    if (field.wireType !== 'fixed32') throw this.#wrongType(field, name, 'fixed32');
    return field.value.getFloat32(0, true);
  }

  #wrongType(field: ProtobufField, name: string, expected: string): PtuneError {
    return invalid(this.source, `${this.where}.${name} (field ${field.number}) is ${field.wireType}, expected ${expected}`);
  }
}

function parsePiece(bytes: Uint8Array, index: number, source: string): SentencePiecePiece {
  const read = new FieldReader(`pieces[${index}]`, source);
  let piece: string | undefined;
  let score = 0;
  let type: SentencePiecePieceType = 'NORMAL';
  for (const field of protobufFields(bytes, source)) {
    if (field.number === PIECE.piece) piece = read.text(field, 'piece');
    else if (field.number === PIECE.score) score = read.float(field, 'score');
    else if (field.number === PIECE.type) {
      const value = read.int32(field, 'type');
      const named = PIECE_TYPE_BY_VALUE[value];
      if (!named) throw invalid(source, `pieces[${index}].type is ${value}, expected one of 1..6`);
      type = named;
    }
  }
  if (piece === undefined) throw invalid(source, `pieces[${index}] has no piece string`);
  if (!Number.isFinite(score)) throw invalid(source, `pieces[${index}] (${JSON.stringify(piece)}) has a non-finite score ${score}`);
  return { piece, score, type };
}

function parseTrainerSpec(bytes: Uint8Array, source: string): SentencePieceTrainerSpec {
  const read = new FieldReader('trainer_spec', source);
  const spec = { modelType: 'UNIGRAM' as SentencePieceModelType, vocabSize: 8000, unkId: 0, bosId: 1, eosId: 2, padId: -1, byteFallback: false, treatWhitespaceAsSuffix: false };
  for (const field of protobufFields(bytes, source)) {
    switch (field.number) {
      case TRAINER.modelType: {
        const value = read.int32(field, 'model_type');
        const named = SENTENCEPIECE_MODEL_TYPES[value - 1];
        if (!named) throw invalid(source, `trainer_spec.model_type is ${value}, expected 1..4`);
        spec.modelType = named;
        break;
      }
      case TRAINER.vocabSize: spec.vocabSize = read.int32(field, 'vocab_size'); break;
      case TRAINER.unkId: spec.unkId = read.int32(field, 'unk_id'); break;
      case TRAINER.bosId: spec.bosId = read.int32(field, 'bos_id'); break;
      case TRAINER.eosId: spec.eosId = read.int32(field, 'eos_id'); break;
      case TRAINER.padId: spec.padId = read.int32(field, 'pad_id'); break;
      case TRAINER.byteFallback: spec.byteFallback = read.bool(field, 'byte_fallback'); break;
      case TRAINER.treatWhitespaceAsSuffix: spec.treatWhitespaceAsSuffix = read.bool(field, 'treat_whitespace_as_suffix'); break;
    }
  }
  return spec;
}

function parseNormalizerSpec(bytes: Uint8Array, source: string): SentencePieceNormalizerSpec {
  const read = new FieldReader('normalizer_spec', source);
  const spec = { name: '', precompiledCharsmap: new Uint8Array(0), addDummyPrefix: true, removeExtraWhitespaces: true, escapeWhitespaces: true };
  for (const field of protobufFields(bytes, source)) {
    switch (field.number) {
      case NORMALIZER.name: spec.name = read.text(field, 'name'); break;
      case NORMALIZER.precompiledCharsmap: spec.precompiledCharsmap = read.bytes(field, 'precompiled_charsmap').slice(); break;
      case NORMALIZER.addDummyPrefix: spec.addDummyPrefix = read.bool(field, 'add_dummy_prefix'); break;
      case NORMALIZER.removeExtraWhitespaces: spec.removeExtraWhitespaces = read.bool(field, 'remove_extra_whitespaces'); break;
      case NORMALIZER.escapeWhitespaces: spec.escapeWhitespaces = read.bool(field, 'escape_whitespaces'); break;
    }
  }
  return spec;
}

/**
 * Parses a SentencePiece `.model` file. Throws TOKENIZER_INVALID naming `source` for bytes that
 * are not a ModelProto, or one without pieces or with special ids outside the vocabulary.
 */
export function parseSentencePieceModel(bytes: Uint8Array, source: string): SentencePieceModel {
  const read = new FieldReader('model', source);
  const pieceMessages: Uint8Array[] = [];
  let trainerBytes: Uint8Array | undefined;
  let normalizerBytes: Uint8Array | undefined;
  for (const field of protobufFields(bytes, source)) {
    if (field.number === MODEL.pieces) pieceMessages.push(read.bytes(field, 'pieces'));
    else if (field.number === MODEL.trainerSpec) trainerBytes = read.bytes(field, 'trainer_spec');
    else if (field.number === MODEL.normalizerSpec) normalizerBytes = read.bytes(field, 'normalizer_spec');
  }
  if (pieceMessages.length === 0) throw invalid(source, 'it has no pieces');
  // Pieces come first in the file: a cut-off file loses the specs (protobuf has no end marker).
  if (!trainerBytes || !normalizerBytes) throw invalid(source, `it has no ${trainerBytes ? 'normalizer_spec' : 'trainer_spec'} (truncated file?)`);
  const pieces = pieceMessages.map((message, index) => parsePiece(message, index, source));
  const trainerSpec = parseTrainerSpec(trainerBytes, source);
  for (const [name, id] of [['unk_id', trainerSpec.unkId], ['bos_id', trainerSpec.bosId], ['eos_id', trainerSpec.eosId], ['pad_id', trainerSpec.padId]] as const) {
    if (id < -1 || id >= pieces.length) throw invalid(source, `trainer_spec.${name} is ${id}, expected -1..${pieces.length - 1}`);
  }
  if (trainerSpec.unkId < 0) throw invalid(source, 'trainer_spec.unk_id is -1, but every SentencePiece model has an unknown piece');
  return { pieces, trainerSpec, normalizerSpec: parseNormalizerSpec(normalizerBytes, source) };
}
