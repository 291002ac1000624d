"""``python -m landuse.cli``: the ``landuse`` command, e.g. to measure it with ``python -X importtime``."""

from landuse.cli import main

main()
