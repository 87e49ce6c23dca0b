"""A roster that cannot be graded whole: exit 2, one paragraph naming the line and the fix, and
nothing graded half (no server asked anything, no output written)."""

from __future__ import annotations

import pytest

from mlflow_labs.cli import main

pytestmark = pytest.mark.grade

# name: (roster text after the valid first learner, words the error must contain)
WRONG_HEADER = {
    "missing column": ("learner,experiment\nann,ann-exp\n", "line 1: missing column(s) tracking_uri"),
    "unknown column": ("learner,tracking_uri,experimnt\nann,{uri},x\n", "line 1: unknown column(s) experimnt"),
    "empty file": ("", "is empty: its first line must name the columns"),
    "header only": ("learner,tracking_uri\n", "has a header but no learners"),
}
WRONG_LINE = {
    "duplicate learner": ("learner,tracking_uri,experiment\nann,{uri},a\nbob,{uri},b\nann,{uri},c\n",
                          "line 4: learner 'ann' is listed twice (first on line 2)"),
    "not http": ("learner,tracking_uri\nann,{uri}\nbob,file:///home/bob/mlruns\n",
                 "line 3: tracking_uri 'file:///home/bob/mlruns' is not an http(s) URL"),
    "no host": ("learner,tracking_uri\nann,{uri}\nbob,http://\n", "line 3: tracking_uri 'http://' is not an http(s) URL"),
    "credentials in the URI": ("learner,tracking_uri\nann,http://ann:pw@127.0.0.1:5000\n",
                               "line 2: tracking_uri carries credentials"),
    "unset password variable": ("learner,tracking_uri,password_var\nann,{uri},GRADE_TEST_UNSET_PW\n",
                                "line 2: password_var names GRADE_TEST_UNSET_PW, which is not set"),
    "same server and experiment twice": ("learner,tracking_uri,experiment\nann,{uri},x\nbob,{uri}/,x\n",
                                         "line 3: learner 'bob' points at the same server and experiment as 'ann' (line 2)"),
    "ragged line": ("learner,tracking_uri\nann,{uri}\nbob,{uri},extra\n", "line 3: 3 field(s) where the header has 2"),
}
CASES = {**WRONG_HEADER, **WRONG_LINE}


@pytest.mark.parametrize("case", list(CASES))
def test_bad_roster_exits_2_naming_the_line_and_grades_nothing(case, hostile, tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("GRADE_TEST_UNSET_PW", raising=False)
    text, words = CASES[case]
    watcher = hostile["html"]  # a real server in the roster's valid lines: it must not be asked anything
    asked = len(watcher.requests)
    roster = tmp_path / "roster.csv"
    roster.write_text(text.format(uri=watcher.uri))
    out = tmp_path / "out"
    code = main(["grade", "lab1", "--roster", str(roster), "--out", str(out)])
    printed = capsys.readouterr()
    assert code == 2, printed
    assert words in printed.err, printed.err
    assert "Traceback" not in printed.err and len(printed.err.strip().splitlines()) == 1
    assert not out.exists() and printed.out == ""
    assert len(watcher.requests) == asked, "a learner was graded before the roster was found bad"


def test_a_missing_roster_file_is_exit_2(tmp_path, capsys):
    assert main(["grade", "lab1", "--roster", str(tmp_path / "nope.csv")]) == 2
    assert "Cannot read the roster" in capsys.readouterr().err
