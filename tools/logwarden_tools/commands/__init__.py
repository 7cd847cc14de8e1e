"""Subcommands of the ``logwarden`` command, one module each (see ``logwarden_tools.cli``)."""
