"""Erratum 7, as a rule over every lab README (harness/readme/exposure.py, rules.exposed): no block the
harness or a learner runs publishes a server beyond loopback. Each way of doing it is a case the rule must
catch (a LAN address or a variable is not loopback; `docker container run`; `--network host`; uvicorn and
gunicorn; a port-forward's --address), and loopback forms it must leave alone."""

from __future__ import annotations

import pytest

from mlflow_labs.harness.readme import rules
from mlflow_labs.harness.readme.exposure import exposures
from mlflow_labs.labs import repo_root

pytestmark = pytest.mark.unit


# Known exceptions, each with its reason; an entry no longer found fails. None: lab 3's Step 0 publishes its
# PostgreSQL container on 127.0.0.1 only (the MLflow container reaches it by name on their own network).
KNOWN: set[str] = set()


def test_no_runnable_block_publishes_mlflow_beyond_loopback():
    """Runnable by either executor: the harness, or the learner typing a block the harness skips."""
    found = {p for readme in sorted(p for p in (repo_root() / "labs").rglob("README.md") if "node_modules" not in p.parts)
             for p in rules.exposed(readme.read_text(), str(readme.relative_to(repo_root())))}
    assert found == KNOWN, (f"new: {sorted(found - KNOWN)}; fixed (remove from KNOWN): {sorted(KNOWN - found)}")


def test_a_block_only_the_learner_runs_is_held_too():
    """The harness skips a block whose PostgreSQL it starts itself; the learner types it as written."""
    text = ('<!-- lab: skip reason="the harness starts PostgreSQL itself" -->\n```bash\n'
            'docker run -d -p 5432:5432 postgres:15\n```\n')
    assert rules.exposed(text, "README.md") == ["README.md:2: -p: publishes 5432:5432 beyond loopback"]
    by_hand_skip = text.replace('skip reason=', 'skip by-hand=skip reason=')
    assert rules.exposed(by_hand_skip, "README.md") == []   # neither runs it


@pytest.mark.parametrize("text", [
    "kubectl port-forward svc/mlflow 7006:80 --address 0.0.0.0",
    "kubectl port-forward svc/mlflow 7006:80 --address=0.0.0.0",
    "kubectl port-forward svc/mlflow 7006:80 --address localhost,0.0.0.0",
    "docker run -d -p 7006:5000 img mlflow server",
    "docker run -d -p 0.0.0.0:7006:5000 img",
    'docker run -d -p "7006:5000" img',
    "docker run -d -p '0.0.0.0:7006:5000' img",
    "docker run -d -p7006:5000 img",
    "docker run -d --publish 7006:5000 img",
    "docker run -d --publish=7006:5000/tcp img",
    "docker run -d -p 5000 img",
    "docker run -d -P img",
    "podman run -d -p 7006:5000 img",
    "podman kube play --publish 7006:5000 mlflow-pod.yaml",
    "docker run -d \\\n  --name m \\\n  -p 7006:5000 img",
    "mlflow server --backend-store-uri sqlite:///mlflow.db --host 0.0.0.0 --port 7006",
    "mlflow ui --host=0.0.0.0",
    "exec mlflow server -h 0.0.0.0 --port 7006",
    "cd x && mlflow server --host '0.0.0.0'",
    "nohup mlflow server --host :: &",
    # a LAN address, or one the text does not show, is not loopback either
    "mlflow server --host 192.168.1.10 --port 7006",
    "mlflow server --host $H --port 7006",
    'mlflow ui --host "${MLFLOW_HOST}"',
    "docker container run -d -p 7006:5000 img",
    "podman container create -p 7006:5000 img",
    "docker run -d -p 192.168.1.10:7006:5000 img",
    "docker run -d --network host img mlflow server --host 0.0.0.0",
    "docker run -d --net=host img",
    "podman run --network=host img",
    "uvicorn app:app --host 0.0.0.0 --port 7006",
    "gunicorn -b 0.0.0.0:7006 app:app",
    "gunicorn --bind=0.0.0.0:7006 app:app",
    "gunicorn --bind :7006 app:app",
    "kubectl port-forward svc/mlflow 7006:80 --address 192.168.1.10",
    "kubectl -n mlflow port-forward svc/mlflow 7006:80 --address=127.0.0.1,10.0.0.5",
])
def test_the_rule_catches_exposure(text):
    assert exposures(text), text


@pytest.mark.parametrize("text", [
    "kubectl port-forward svc/mlflow 7006:80",
    "kubectl port-forward svc/mlflow 7006:80 --address 127.0.0.1",
    "docker run -d -p 127.0.0.1:7006:5000 img mlflow server --host 0.0.0.0 --port 5000",
    'docker run -d -p "127.0.0.1:7006:5000" img',
    "docker run -d --publish=127.0.0.1:7006:5000 img",
    "docker run -d -p [::1]:7006:5000 img",
    "podman kube play --publish 127.0.0.1:7006:5000 mlflow-pod.yaml",
    "mlflow server --host 127.0.0.1 --port 7006",
    "mlflow ui --backend-store-uri sqlite:///mlflow.db --port 7006",
    "psql -h 127.0.0.1 -p 5432 -U postgres",
    "ps -o pgid= -p 1234",
    "mkdir -p mlflow-basic && cd mlflow-basic",
    "echo 'do not use --host 0.0.0.0'",
    "kubectl port-forward svc/mlflow 7006:80 --address localhost,127.0.0.1",
    "docker container run -d -p 127.0.0.1:7006:5000 img",
    "docker run -d --network lab3-net -p 127.0.0.1:5432:5432 postgres:15",
    "docker run -d -p 127.0.0.1:7006:5000 img uvicorn app:app --host 0.0.0.0",
    "uvicorn app:app --host 127.0.0.1 --port 7006",
    "gunicorn -b 127.0.0.1:7006 app:app",
    "gunicorn --bind unix:/tmp/mlflow.sock app:app",
    "gunicorn app:app",
    "pip install mlflow==3.17.2 && mlflow-labs check lab1 --tracking-uri http://localhost:7006",
])
def test_the_rule_leaves_loopback_alone(text):
    assert not exposures(text), exposures(text)
