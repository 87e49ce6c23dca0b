"""A lab README run as a test: parse (blocks and their directives), steps (what a run records),
runner (the harness's run: every directive implemented once), replay (the README as a learner types
it), learner_env (the learner's clean environment and unprivileged user) and rules (what a rendered
README must tell a learner that a replay cannot see)."""
