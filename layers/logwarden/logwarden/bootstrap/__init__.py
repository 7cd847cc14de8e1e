"""OpenSearch bootstrap: index templates, ISM lifecycle per level class, Security roles, Dashboards objects.

Pure builders (``templates``, ``ism``, ``security``, ``dashboards``) turn ``BootstrapParams`` into documents;
``apply`` compares them with the cluster through small ports and writes only what differs.
"""
