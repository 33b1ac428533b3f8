"""Scenarios that walk each shipped playbook through its source procedure, unhappy
paths included, for the playbook simulator. A package so that they ship in the wheel."""
