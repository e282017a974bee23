"""`python -m ecq_scan` entry point."""

from ecq_scan.cli import main

if __name__ == "__main__":
    main()
