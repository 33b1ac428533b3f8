"""Reading stored playbook versions: the parsed playbook of a version (cached by its
digest, versions never change) and an organization's active version."""

from __future__ import annotations

from functools import lru_cache

import yaml

from ladder.playbooks.format import Playbook
from ladder.playbooks.models import PlaybookVersion


@lru_cache(maxsize=256)
def _parse(digest: str, source: str) -> Playbook:
    return Playbook.model_validate(yaml.safe_load(source))


def playbook_of(version: PlaybookVersion) -> Playbook:
    return _parse(version.digest, version.source)


def active_version(organization_id: int) -> PlaybookVersion | None:
    return PlaybookVersion.objects.filter(organization_id=organization_id, is_active=True).first()
