"""The ``landuse`` command line through click's CliRunner, one module per command (a package: its
module names, ``cli.test_conflicts`` and the like, must not clash with the engine tests beside it)."""
