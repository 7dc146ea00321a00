"""Capture real outputs of the embedded Gemma model for the parsing corpus.

    .venv/bin/python -m buildtools.capture OUT_DIR

Serves dist/, opens the page in Chromium, loads the model through the app, then calls
wllama directly with LocalLoom's own completion prompts under the conditions that produce
malformed output in practice: no grammar (free text around JSON), and a grammar with too few
tokens (JSON cut off). Writes one ``gemma-*.txt`` per output; a person then reviews each and
records the expected result in tests/fixtures/parsing/expected.json.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from .deps import ROOT
from .serve import serve_in_thread

ARGS = ["--no-sandbox", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]

CALL = """async ([prompt, maxTokens, schema]) => {
  const params = {prompt, max_tokens: maxTokens, temperature: 0.6, seed: 7};
  if (schema) params.json_schema = schema;
  const out = await globalThis.localloomWllama.createCompletion(params);
  return out.choices[0].text;
}"""


def cases() -> list[tuple[str, str, int, dict | None]]:
    sys.path.insert(0, str(ROOT / "py"))
    from localloom.course.generator import CourseRequest
    from localloom.course.prompts import render_completion
    from localloom.course.schema import CourseShape, Outline, Tags, json_schema

    shape = CourseShape(1, 1, 0, max_text=120, max_list=2)
    out = []
    for lang, topic in (("en", "Introduction to Machine Learning"),
                        ("es", "Introducción a la fotosíntesis")):
        base = {**CourseRequest(topic=topic, language=lang, shape=shape).prompt_vars(),
                "feedback": "", "avoid": [], "shape": shape, "categories": ()}
        course = render_completion("course", lang, **base)
        outline = render_completion("outline", lang, **base)
        tags = render_completion("tags", lang, text=topic + ". " + topic, max_tags=4,
                                 **{k: v for k, v in base.items() if k != "topic"})
        out += [
            (f"gemma-{lang}-course-free", course, 220, None),
            (f"gemma-{lang}-outline-free", outline, 160, None),
            (f"gemma-{lang}-course-cut", course, 70,
             json_schema(Outline, "wllama", shape)),
            (f"gemma-{lang}-tags-free", tags, 60, None),
            (f"gemma-{lang}-tags-grammar", tags, 80, json_schema(Tags, "wllama")),
        ]
    return out


def main(out_dir: Path) -> None:
    from playwright.sync_api import sync_playwright

    out_dir.mkdir(parents=True, exist_ok=True)
    server = serve_in_thread(ROOT / "dist")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        page = browser.new_page()
        page.goto(f"http://127.0.0.1:{server.server_port}/")
        page.wait_for_selector("body[data-state=ready]", timeout=180_000)
        page.evaluate("async () => await window.localloom.speedTest(4)")
        for name, prompt, max_tokens, schema in cases():
            text = page.evaluate(CALL, [prompt, max_tokens, schema])
            (out_dir / f"{name}.txt").write_text(text, encoding="utf-8")
            print(name, json.dumps(text[:100]))
        browser.close()
    server.shutdown()


if __name__ == "__main__":
    main(Path(sys.argv[1]))
