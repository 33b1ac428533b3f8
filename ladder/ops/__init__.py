"""Operational commands (run, worker, demo, createadmin, token). Calls domain actions;
holds no business rules."""
