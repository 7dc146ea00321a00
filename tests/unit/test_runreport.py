"""runreport: attempts, verdicts and wasted tokens of a run, as the bench and raw panel see."""

from __future__ import annotations

from localloom.course.generator import GenerationEvent
from localloom.view.runreport import RunReport


def test_a_reasked_step_wastes_the_tokens_of_its_earlier_attempts():
    report = RunReport()
    report.event(GenerationEvent("step_start", 1, 2, "Course outline"))
    report.call()
    report.tokens(100)
    line = report.event(GenerationEvent("retry", 1, 2, "Course outline", attempt=1,
                                        message="- modules[1].title: repeats 'Light'"))
    assert line.startswith("[quality check] Course outline: asked again (attempt 2)")
    assert "repeats 'Light'" in line
    report.call()
    report.tokens(90)
    assert report.event(GenerationEvent("step_done", 1, 2, "Course outline")) == ""
    report.event(GenerationEvent("step_start", 2, 2, "Lesson"))
    report.call()
    for _ in range(40):
        report.tokens()
    report.finish("done")
    data = report.to_dict()
    assert data["tokens"] == 230 and data["tokens_wasted"] == 100
    assert data["calls"] == 3 and data["reasks"] == 1 and data["outcome"] == "done"
    assert data["steps"][0]["tokens"] == [100, 90] and data["steps"][0]["outcome"] == "ok"
    assert data["steps"][0]["verdicts"] and data["steps"][1]["attempts"] == 1


def test_the_share_of_an_answer_whose_parts_were_kept_is_not_wasted():
    """Answer 1 (100 tokens): its head and module 1 kept (60 %); part 1 (30 tokens) failed;
    part 2 (25 tokens) completed the outline: 40 + 30 tokens were wasted, not 130."""
    report = RunReport()
    report.event(GenerationEvent("step_start", 1, 2, "Course outline"))
    for n in (100, 30, 25):
        report.call()
        report.tokens(n)
    report.event(GenerationEvent("step_done", 1, 2, "Course outline", used={0: 0.6}))
    assert report.to_dict()["tokens_wasted"] == 70


def test_notes_of_a_finished_step_reach_the_raw_panel():
    report = RunReport()
    report.event(GenerationEvent("step_start", 1, 1, "Quiz"))
    line = report.event(GenerationEvent("step_done", 1, 1, "Quiz",
                                        message="key_points: dropped 1 empty item(s)"))
    assert line == "[quality check] Quiz: key_points: dropped 1 empty item(s)"


def test_tokens_before_any_step_are_still_counted():
    report = RunReport()
    report.tokens(3)
    assert report.to_dict()["tokens"] == 3


def test_a_verdict_names_the_words_the_next_call_is_biased_against():
    report = RunReport()
    report.event(GenerationEvent("step_start", 1, 2, "Course outline"))
    line = report.event(GenerationEvent("retry", 1, 2, "Course outline", attempt=1,
                                        message="- modules[1].title: repeats module 1",
                                        steer=["Exploring", "Countries"]))
    assert line.endswith("repeats module 1\nwords of the refused answers made less likely: "
                         "Exploring, Countries")
    plain = report.event(GenerationEvent("retry", 1, 2, "Course outline", attempt=2,
                                         message="- modules[1].title: repeats module 1"))
    assert "less likely" not in plain


def test_a_verdict_names_the_start_of_the_topic_titles_may_no_longer_begin_with():
    report = RunReport()
    report.event(GenerationEvent("step_start", 1, 2, "Course outline"))
    line = report.event(GenerationEvent(
        "retry", 1, 2, "Course outline", attempt=1, guard="Prim",
        message="- modules[0].title: repeats the course topic instead of naming a part of it"))
    assert line.endswith("naming a part of it\ntitles may not begin with the topic's words: "
                         "'Prim'")
    assert report.steps[0].verdicts[0].endswith("'Prim'")  # the bench's trace shows it too
