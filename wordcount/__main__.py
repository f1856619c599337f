"""`python -m wordcount` runs the command line."""

from wordcount.cli import main

main()
