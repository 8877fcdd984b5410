"""`python -m cosmos_flow` runs the project's command line."""

from cosmos_flow.cli import main

if __name__ == "__main__":
    main()
