"""Lab 5's story, as its checks read it: the experiment, the metric the runs are ranked by, the params the
plots use, the artifact, the system metrics (the README's train.py logs exactly these)."""

EXPERIMENT = "wine-compare"
METRIC = "accuracy"              # the metric the lab's story ranks runs by (higher is better)
SCATTER_PARAM = "n_estimators"   # a numeric param to plot against the metric
BOX_PARAM = "data"               # a categorical param (raw vs clean) to group the metric by
ARTIFACT = "model.pkl"
MAX_COMPARED = 4
CPU, MEMORY = "system/cpu_utilization_percentage", "system/system_memory_usage_megabytes"

TRAIN_HINT = "Step 2: run `python train.py` inside the git repo, against this server"
