"""The playbooks shipped with Ladder, one per source procedure (000-004), each written
for the demo organization of the same name. A package so that the YAML files ship in
the wheel."""
