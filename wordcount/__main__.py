"""`python -m wordcount` runs the command line."""

from wordcount.cli.command import main

main()
