"""Load a model.pkl from a server without letting the server run code here.

`pickle.loads` calls whatever callable the pickle names (os.system, subprocess.Popen, ...), so unpickling
bytes a tracking server hands over runs any code that server chooses. This unpickler resolves only the
classes and numpy constructors the lab's models (ElasticNet, the pipeline with StandardScaler, decision
tree, random forest, gradient boosting) are made of, and refuses anything else by name, before calling it.
"""

from __future__ import annotations

import io
import pickle

# exactly what pickling lab 4's models references (numpy 1.x names as well as 2.x)
ALLOWED = {
    ("numpy", "dtype"), ("numpy", "ndarray"),
    ("numpy._core.multiarray", "_reconstruct"), ("numpy._core.multiarray", "scalar"),
    ("numpy.core.multiarray", "_reconstruct"), ("numpy.core.multiarray", "scalar"),
    ("numpy.random._mt19937", "MT19937"), ("numpy.random._pickle", "__bit_generator_ctor"),
    ("numpy.random._pickle", "__randomstate_ctor"), ("numpy.random.bit_generator", "SeedSequence"),
    ("numpy.random.bit_generator", "__pyx_unpickle_SeedSequence"),
    ("sklearn._loss._loss", "CyHalfSquaredError"), ("sklearn._loss.link", "IdentityLink"),
    ("sklearn._loss.link", "Interval"), ("sklearn._loss.loss", "HalfSquaredError"),
    ("sklearn.dummy", "DummyRegressor"), ("sklearn.ensemble._forest", "RandomForestRegressor"),
    ("sklearn.ensemble._gb", "GradientBoostingRegressor"),
    ("sklearn.linear_model._coordinate_descent", "ElasticNet"), ("sklearn.pipeline", "Pipeline"),
    ("sklearn.preprocessing._data", "StandardScaler"), ("sklearn.tree._classes", "DecisionTreeRegressor"),
    ("sklearn.tree._tree", "Tree"),
}


class RefusedClass(pickle.UnpicklingError):
    def __init__(self, name: str):
        self.name = name
        super().__init__(f"refused to load {name}: not one of the scikit-learn/numpy classes a lab model is made "
                         f"of (a pickle can name any callable, and unpickling calls it)")


class _AllowListUnpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str):
        if (module, name) not in ALLOWED:
            raise RefusedClass(f"{module}.{name}")
        return super().find_class(module, name)


def loads(data: bytes):
    """Like pickle.loads, for lab models only; raises RefusedClass naming anything else."""
    return _AllowListUnpickler(io.BytesIO(data)).load()
