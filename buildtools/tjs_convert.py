"""Convert a GGUF chat model into a Transformers.js folder (q8 ONNX); run by ``tjs_model``.

Runs inside the conversion's own virtualenv (.cache/tjs-venv: torch, transformers, optimum-onnx,
onnxruntime), never in the app's .venv, as one process so torch is imported once::

    python tjs_convert.py MODEL.gguf WORK_DIR OUT_DIR

Steps: GGUF → transformers (fp32, tokenizer converted from the GGUF) → ONNX export
(text-generation-with-past, no validation pass) → onnxruntime dynamic q8 quantization
(MatMul + Gather, uint8: Transformers.js dtype "q8" = onnx/model_quantized.onnx) → the folder
Transformers.js reads: config.json, generation_config.json, tokenizer.json,
tokenizer_config.json, onnx/model_quantized.onnx.

The GGUF's tokenizer config needs two fixes for a ChatML model: its eos_token is the turn's
end ``<|im_end|>`` (the GGUF converter names ``<|im_start|>``), and the chat template, which
transformers saves as chat_template.jinja, goes into tokenizer_config.json, where
Transformers.js looks for it.
"""

from __future__ import annotations

import json
import shutil
import sys
import time
from pathlib import Path

STARTED = time.monotonic()
EOS = "<|im_end|>"


def say(message: str) -> None:
    print(f"[tjs-convert {time.monotonic() - STARTED:5.1f} s] {message}", flush=True)


def to_transformers(gguf: Path, hf: Path) -> None:
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    say(f"read {gguf.name} (tokenizer and weights)")
    tokenizer = AutoTokenizer.from_pretrained(gguf.parent, gguf_file=gguf.name)
    model = AutoModelForCausalLM.from_pretrained(gguf.parent, gguf_file=gguf.name,
                                                 dtype=torch.float32)
    model.save_pretrained(hf)
    tokenizer.save_pretrained(hf)


def to_onnx(hf: Path, onnx_dir: Path) -> None:
    from optimum.exporters.onnx import main_export

    say("export ONNX (text-generation-with-past, opset 18)")
    main_export(str(hf), output=str(onnx_dir), task="text-generation-with-past", opset=18,
                do_validation=False, device="cpu")


def quantize(model: Path, out: Path) -> None:
    from onnxruntime.quantization import QuantType, quantize_dynamic

    say("quantize to q8 (MatMul + Gather, uint8)")
    out.parent.mkdir(parents=True, exist_ok=True)
    quantize_dynamic(str(model), str(out), weight_type=QuantType.QUInt8,
                     op_types_to_quantize=["MatMul", "Gather"])


def tokenizer_config(hf: Path) -> dict:
    config = json.loads((hf / "tokenizer_config.json").read_text())
    config.pop("added_tokens_decoder", None)  # tokenizer.json carries them
    ids = {t["content"]: t["id"] for t in
           json.loads((hf / "tokenizer.json").read_text())["added_tokens"]}
    if EOS not in ids:
        raise SystemExit(f"the GGUF's tokenizer has no {EOS} token: not a ChatML model")
    config.update(eos_token=EOS, eos_token_id=ids[EOS], pad_token=EOS, pad_token_id=ids[EOS])
    template = hf / "chat_template.jinja"
    if template.exists():
        config["chat_template"] = template.read_text()
    if not config.get("chat_template"):
        raise SystemExit("the GGUF has no chat template: this converter is for chat models")
    return config


def main(gguf: Path, work: Path, out: Path) -> None:
    hf, onnx_dir = work / "hf", work / "onnx-fp32"
    for stale in (hf, onnx_dir, out):
        shutil.rmtree(stale, ignore_errors=True)
    to_transformers(gguf, hf)
    to_onnx(hf, onnx_dir)
    quantize(onnx_dir / "model.onnx", out / "onnx" / "model_quantized.onnx")
    for name in ("config.json", "generation_config.json", "tokenizer.json"):
        shutil.copy(hf / name, out / name)
    (out / "tokenizer_config.json").write_text(json.dumps(tokenizer_config(hf), indent=1))
    shutil.rmtree(hf)
    shutil.rmtree(onnx_dir)
    say(f"done: {out}")


if __name__ == "__main__":
    if len(sys.argv) != 4:
        raise SystemExit(__doc__)
    main(*(Path(arg) for arg in sys.argv[1:]))
