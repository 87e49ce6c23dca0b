"""The roster's columns come from the lab's spec: `grade labN --roster-template` prints them, a lab's own
columns (lab 6's reader and writer, lab 7's tokens and session, lab 4's repo) are read by reference into
the learner's check variables, and a column another lab takes, or a reference that resolves to nothing,
is exit 2 naming the line, with nothing graded."""

from __future__ import annotations

import pytest

from mlflow_labs.cli import main
from mlflow_labs.grade import roster
from mlflow_labs.labs import LABS

pytestmark = pytest.mark.grade


@pytest.mark.parametrize("lab", sorted(LABS))
def test_the_template_is_the_specs_columns(lab, capsys):
    assert main(["grade", lab, "--roster-template"]) == 0
    printed = capsys.readouterr()
    header = printed.out.strip()
    assert header == ",".join(roster.columns(LABS[lab])) and header.startswith("learner,tracking_uri,experiment")
    for column in header.split(","):
        assert f"#   {column} " in printed.err, printed.err  # each column said what goes in it
    for i in LABS[lab].inputs:
        assert set(i.columns()) <= set(header.split(","))


def test_the_labs_own_columns():
    assert "reader_password_var" in roster.columns(LABS["lab6"]) and "writer_netrc" in roster.columns(LABS["lab6"])
    assert {"writer_token_var", "reader_token_var", "session_var"} <= set(roster.columns(LABS["lab7"]))
    assert "repo" in roster.columns(LABS["lab4"]) and "repo" not in roster.columns(LABS["lab1"])


def test_a_lab6_row_becomes_the_learners_own_check_variables(tmp_path, monkeypatch):
    monkeypatch.setenv("ANN_READER_PW", "reader-secret-ann-1")
    monkeypatch.setenv("ANN_WRITER_PW", "writer-secret-ann-1")
    (tmp_path / "bob-writer.netrc").write_text("machine 127.0.0.1 login bob-writer password writer-secret-bob-2\n")
    path = tmp_path / "roster.csv"
    path.write_text("learner,tracking_uri,reader_username,reader_password_var,writer_password_var,writer_netrc\n"
                    "ann,http://127.0.0.1:5001,ann-reader,ANN_READER_PW,ANN_WRITER_PW,\n"
                    "bob,http://127.0.0.1:5002,,,,bob-writer.netrc\n")
    ann, bob = roster.load(path, LABS["lab6"])
    assert dict(ann.env) == {"LAB6_READER_USERNAME": "ann-reader", "LAB6_READER_PASSWORD": "reader-secret-ann-1",
                             "LAB6_WRITER_USERNAME": "writer", "LAB6_WRITER_PASSWORD": "writer-secret-ann-1"}
    assert dict(bob.env) == {"LAB6_WRITER_USERNAME": "bob-writer", "LAB6_WRITER_PASSWORD": "writer-secret-bob-2"}
    assert {"reader-secret-ann-1", "writer-secret-ann-1"} <= set(ann.secrets)  # scrubbed from every output
    assert "secret" not in repr(ann) + repr(bob)
    # bob gave no reader: the check that needs one says where an instructor gives it
    from mlflow_labs.lab6 import auth
    assert "reader_password_var or reader_netrc column" in auth.missing("reader", "LAB6_READER_PASSWORD", bob.env)


CASES = {
    "a column of another lab": ("lab1", "learner,tracking_uri,reader_username\nann,{uri},r\n",
                                "line 1: unknown column(s) reader_username"),
    "an unset secret variable": ("lab6", "learner,tracking_uri,reader_password_var\nann,{uri},GRADE_TEST_UNSET\n",
                                 "line 2: reader_password_var names GRADE_TEST_UNSET, which is not set"),
    "a username without its password": ("lab6", "learner,tracking_uri,writer_username\nann,{uri},w\n",
                                        "line 2: writer_username is given but neither writer_password_var nor writer_netrc"),
    "a token given twice": ("lab7", "learner,tracking_uri,writer_token_var,writer_netrc\nann,{uri},A,x.netrc\n",
                            "line 2: writer_token_var and writer_netrc both given"),
    "an unset session variable": ("lab7", "learner,tracking_uri,session_var\nann,{uri},GRADE_TEST_UNSET\n",
                                  "line 2: session_var names GRADE_TEST_UNSET, which is not set"),
    "a repository that is not there": ("lab4", "learner,tracking_uri,repo\nann,{uri},no/such/folder\n",
                                       "line 2: repo 'no/such/folder' is neither a git URL nor a folder"),
}


@pytest.mark.parametrize("case", list(CASES))
def test_a_bad_lab_column_is_exit_2_naming_the_line(case, hostile, tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("GRADE_TEST_UNSET", raising=False)
    lab, text, words = CASES[case]
    watcher = hostile["record"]
    asked = len(watcher.requests)
    path = tmp_path / "roster.csv"
    path.write_text(text.format(uri=watcher.uri))
    code = main(["grade", lab, "--roster", str(path), "--out", str(tmp_path / "out")])
    printed = capsys.readouterr()
    assert code == 2, printed
    assert words in printed.err and "Traceback" not in printed.err, printed.err
    assert not (tmp_path / "out").exists() and len(watcher.requests) == asked


def test_grade_without_a_roster_says_how_to_get_one(capsys):
    assert main(["grade", "lab6"]) == 2
    assert "--roster-template" in capsys.readouterr().err
