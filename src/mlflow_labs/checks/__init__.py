"""What each lab must show, against ANY tracking URI: the harness's own server or a learner's.

Checks read through the REST API with `requests` (client.py), never through the mlflow client
that logged the data, so a bug in one path cannot hide itself.
"""
