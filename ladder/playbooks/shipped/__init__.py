"""The playbooks shipped with Ladder, one per source procedure (000-004), which `ladder
demo` loads into its organizations. A package so that the YAML files ship in the wheel."""
