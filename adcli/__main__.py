"""`python -m adcli`: the same entry point as the `adcli` console script."""

from adcli.cli.main import main

if __name__ == "__main__":
    main()
