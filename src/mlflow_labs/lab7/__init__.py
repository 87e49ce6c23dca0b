"""Lab 7: single sign-on with a real OpenID Connect provider, the chart's `mlflow-oidc-auth` plugin, and a real browser."""
