"""`python -m socialledger`: the same command as the `socialledger` console script."""

from socialledger.cli import main

if __name__ == "__main__":
    main(prog_name="socialledger")
