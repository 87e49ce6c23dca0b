"""Lab 5's story, as its checks read it: the experiment, the metric the runs are ranked by, the params the
plots use, the artifact, the system metrics (the README's train.py logs exactly these), and the outcome the
README tells the learner to expect (which run wins, and why)."""

EXPERIMENT = "wine-compare"
METRIC = "accuracy"              # the metric the lab's story ranks runs by (higher is better)
SCATTER_PARAM = "n_estimators"   # a numeric param to plot against the metric
BOX_PARAM = "data"               # a categorical param (raw vs clean) to group the metric by
ARTIFACT = "model.pkl"
MAX_COMPARED = 4
CPU, MEMORY = "system/cpu_utilization_percentage", "system/system_memory_usage_megabytes"

# The README's outcome (Step 2: "boosted trees on the cleaned data win"; Step 3: sorted by accuracy,
# exp3-gradient-boosting-clean is the first row; Step 5: the clean-data box above the raw-data box, "the gap
# between them is the notes' lesson"): the winner's model and data version, read from the params train.py logs.
MODEL_PARAM = "model"
CLEAN, RAW = "clean", "raw"      # the values of BOX_PARAM
WINNER = {MODEL_PARAM: "gradient_boosting", BOX_PARAM: CLEAN}

TRAIN_HINT = "Step 2: run `python train.py` inside the git repo, against this server"
STORY_HINT = ("Step 2: train.py as written: its four EXPERIMENTS (model, data, hyperparameters) and load()'s glitches "
              "in the raw data; boosted trees on the clean data must score best, above every raw-data run")
