"""`python -m pledgewatch.cli`."""

from pledgewatch.cli import main

main()
