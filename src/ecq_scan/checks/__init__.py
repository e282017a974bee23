"""Check framework (pure `observe`/`conclude` interface), built-in Python checks, YAML rules."""
