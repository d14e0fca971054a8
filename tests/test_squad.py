"""The SQuAD gold source: articles become files, answer spans map into them, halves split by article."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from assistant.evaluation.gold import GoldError
from assistant.evaluation.squad import contains_answer, load_squad, write_corpus

FIXTURE = Path(__file__).parent / "fixtures" / "squad-tiny.json"


def test_each_article_is_one_file_with_one_paragraph_per_line_and_answers_mapped_into_it(tmp_path: Path) -> None:
    squad = load_squad(FIXTURE)
    write_corpus(squad, tmp_path)
    files = sorted(p.name for p in tmp_path.iterdir())
    assert files == ["00_Normans.txt", "01_Steam_engine.txt"]
    text = (tmp_path / "00_Normans.txt").read_text(encoding="utf-8")
    assert text.splitlines()[1] == "Norman architecture has its own style of rounded arches."
    for question in squad.gold.questions:
        for answer in question.answers:
            written = (tmp_path / answer.source_id).read_text(encoding="utf-8")
            assert written[answer.start : answer.end] == answer.text


def test_impossible_questions_are_the_unanswerable_ones_and_duplicate_answers_collapse() -> None:
    squad = load_squad(FIXTURE)
    assert [q.id for q in squad.gold.questions if not q.answerable] == ["n3", "s2"]
    assert len(squad.gold["n2"].answers) == 1


def test_articles_alternate_between_halves_and_a_limit_is_a_stable_sample() -> None:
    squad = load_squad(FIXTURE)
    assert {q.id for q in squad.questions("tune")} == {"n1", "n2", "n3", "n4"}
    assert {q.id for q in squad.questions("held-out")} == {"s1", "s2"}
    sample = [q.id for q in squad.questions("tune", limit=2)]
    assert len(sample) == 2 and sample == [q.id for q in squad.questions("tune", limit=2)]


def test_a_quote_hits_only_when_it_holds_a_whole_answer_span() -> None:
    squad = load_squad(FIXTURE)
    question = squad.gold["s1"]
    span = question.answers[0]
    assert contains_answer(question, span.source_id, span.start - 10, span.end)
    assert not contains_answer(question, span.source_id, span.start + 1, span.end + 5)


def test_an_answer_that_does_not_stand_at_its_offset_names_the_question(tmp_path: Path) -> None:
    data = json.loads(FIXTURE.read_text(encoding="utf-8"))
    data["data"][1]["paragraphs"][0]["qas"][0]["answers"][0]["answer_start"] = 3
    broken = tmp_path / "broken.json"
    broken.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(GoldError, match="'s1'.*'1712'"):
        load_squad(broken)


def test_a_file_that_is_not_squad_is_named_in_the_error(tmp_path: Path) -> None:
    other = tmp_path / "other.json"
    other.write_text('{"rows": []}', encoding="utf-8")
    with pytest.raises(GoldError, match="other.json: not a SQuAD 2.0 file"):
        load_squad(other)


def test_the_squad_run_scores_each_half_and_writes_its_report(
    tmp_path: Path, fake_embedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    from assistant.cli import main
    from assistant.evaluation import cli

    monkeypatch.setattr(cli, "_embedder", lambda: fake_embedder)
    report = tmp_path / "squad.md"
    assert main(["eval", "--squad", str(FIXTURE), "--report", str(report), "--quiet"]) == 0
    text = report.read_text(encoding="utf-8")
    assert "python -m assistant eval --squad squad-tiny.json" in text and "All questions of each half" in text
    assert "| tune " in text and "| held-out " in text


def test_every_answer_is_in_the_first_five_passages_of_a_two_article_corpus(fake_embedder) -> None:
    from assistant.evaluation.squad_run import run_squad

    tune, held_out = run_squad(FIXTURE, fake_embedder, None, lambda _: None)
    assert (tune.half, tune.questions, tune.answerable) == ("tune", 4, 3)
    assert (held_out.half, held_out.questions, held_out.answerable) == ("held-out", 2, 1)
    assert tune.passage_hit_5 == held_out.passage_hit_5 == 1.0
    assert 0.0 <= tune.quote_hit_1 <= 1.0 and tune.abstained >= tune.hidden


def test_a_limit_below_one_is_a_clear_error(capsys: pytest.CaptureFixture[str]) -> None:
    from assistant.cli import main

    assert main(["eval", "--squad", str(FIXTURE), "--limit", "0"]) == 2
    assert "--limit must be at least 1" in capsys.readouterr().err
