"""adcli's commands, one module each: `adcli NAME` is `NAME_command` in `NAME.py`.

adcli.cli.main imports a command's module when the command runs or help lists it,
so that a call builds the options of its own command only.
"""
