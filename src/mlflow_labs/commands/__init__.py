"""Lab-specific `mlflow-labs` subcommands; each module exposes register(subparsers)."""
