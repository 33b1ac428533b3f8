"""Early-warning signals and the explainable health score (MT1, TD3)."""
