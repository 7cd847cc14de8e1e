"""OpenSearch bootstrap: index templates, ISM lifecycle per level class, Security roles, Dashboards objects.

Pure builders (``templates``, ``ism``, ``security``, ``dashboards``) turn ``BootstrapParams`` into documents;
``apply`` compares them with the cluster through small ports and writes only what differs.
"""

from __future__ import annotations

from logwarden.bootstrap.apply import BootstrapResult, Change, bootstrap, teardown
from logwarden.bootstrap.desired import DesiredState
from logwarden.bootstrap.params import BootstrapParams

__all__ = ["BootstrapParams", "BootstrapResult", "Change", "DesiredState", "bootstrap", "teardown"]
