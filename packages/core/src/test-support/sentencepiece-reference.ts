/**
 * Google's SentencePiece (Debian's python3-sentencepiece + python3-protobuf), run live as the
 * reference for T5 tokenization. Hugging Face's non-legacy T5 tokenizer is SentencePiece with the
 * dummy prefix on, so the model is loaded with `add_dummy_prefix = true` (the T5 copy in the
 * assets was re-saved with false; see its README).
 */
import { spawnSync } from 'node:child_process';

const SCRIPT = String.raw`
import json, sys
import sentencepiece as spm
from sentencepiece import sentencepiece_model_pb2 as pb
request = json.load(sys.stdin)
proto = pb.ModelProto()
with open(request["model"], "rb") as f:
    proto.ParseFromString(f.read())
if request["op"] == "describe":
    t, n = proto.trainer_spec, proto.normalizer_spec
    json.dump({
        "pieces": [[p.piece, p.score, pb.ModelProto.SentencePiece.Type.Name(p.type)] for p in proto.pieces],
        "trainer": {"model_type": pb.TrainerSpec.ModelType.Name(t.model_type), "vocab_size": t.vocab_size, "unk_id": t.unk_id,
                    "bos_id": t.bos_id, "eos_id": t.eos_id, "pad_id": t.pad_id, "byte_fallback": t.byte_fallback},
        "normalizer": {"name": n.name, "charsmap": n.precompiled_charsmap.hex(), "add_dummy_prefix": n.add_dummy_prefix,
                       "remove_extra_whitespaces": n.remove_extra_whitespaces, "escape_whitespaces": n.escape_whitespaces},
    }, sys.stdout)
else:
    proto.normalizer_spec.add_dummy_prefix = True
    sp = spm.SentencePieceProcessor(model_proto=proto.SerializeToString())
    if request["op"] == "encode":
        json.dump([sp.encode(text) for text in request["texts"]], sys.stdout)
    else:
        json.dump([sp.decode(ids) for ids in request["ids"]], sys.stdout)
`;

const PYTHONS = ['/usr/bin/python3', 'python3'];
let python: string | undefined;

/** The first Python that imports sentencepiece and protobuf (pyenv shims may shadow Debian's). */
function findPython(): string {
  python ??= PYTHONS.find((candidate) => spawnSync(candidate, ['-c', 'import sentencepiece, google.protobuf'], { stdio: 'ignore' }).status === 0);
  if (!python) {
    throw new Error(`no Python with sentencepiece and protobuf among ${PYTHONS.join(', ')}: apt-get install python3-sentencepiece python3-protobuf`);
  }
  return python;
}

function run<T>(request: Record<string, unknown>): T {
  const result = spawnSync(findPython(), ['-c', SCRIPT], { input: JSON.stringify(request), encoding: 'utf8', maxBuffer: 1 << 28 });
  if (result.status !== 0) throw new Error(`SentencePiece reference failed (${result.status}): ${result.stderr}`);
  return JSON.parse(result.stdout) as T;
}

/** SentencePiece's ids for each text (no EOS), with the dummy prefix on. */
export function sentencePieceEncode(modelPath: string, texts: readonly string[]): number[][] {
  return run({ op: 'encode', model: modelPath, texts });
}

/** SentencePiece's text for each id list. */
export function sentencePieceDecode(modelPath: string, ids: readonly (readonly number[])[]): string[] {
  return run({ op: 'decode', model: modelPath, ids });
}

export interface SentencePieceDescription {
  pieces: Array<[string, number, string]>;
  trainer: { model_type: string; vocab_size: number; unk_id: number; bos_id: number; eos_id: number; pad_id: number; byte_fallback: boolean };
  normalizer: { name: string; charsmap: string; add_dummy_prefix: boolean; remove_extra_whitespaces: boolean; escape_whitespaces: boolean };
}

/** The model file as protobuf's own parser reads it (charsmap as hex). */
export function describeSentencePieceModel(modelPath: string): SentencePieceDescription {
  return run({ op: 'describe', model: modelPath });
}
