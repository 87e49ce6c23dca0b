"""`mlflow-labs grade labN --roster roster.csv`: a whole class's servers, graded with the lab's own checks."""
