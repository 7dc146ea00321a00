"""report: task results and the tier report render escaped, served tier marked."""

from __future__ import annotations

from localloom.device import Capabilities
from localloom.fallback import Attempt
from localloom.report import render_result, render_tiers
from localloom.schema import Classification, Summary, Tags
from localloom.tiers import ModelSpec, make_plan

GEMMA = ModelSpec("gemma", "wllama", 253_000_000, 4096, embedded=True)


def test_results_are_escaped():
    assert "&lt;b&gt;" in render_result(Summary(summary="<b>x</b>", key_points=["p"]))
    html = render_result(Tags(tags=["ml", "<i>"]))
    assert "ml" in html and "&lt;i&gt;" in html
    assert "science" in render_result(Classification(label="science", reason="because"))


def test_tier_report_marks_the_serving_tier_and_lists_skips():
    plan = make_plan("tags", Capabilities(chrome_ai={"LanguageModel": "unavailable"}),
                     catalog=[GEMMA])
    step = plan.steps[0]
    html = render_tiers(plan, [Attempt(step, "AuthError", "bad key", 0.2),
                               Attempt(step, "", "", 1.5, retry=True)])
    assert "failed: bad key" in html and 'class="served"' in html and "(retry)" in html
    assert "unavailable" in html  # the skipped Chrome tier keeps its reason
