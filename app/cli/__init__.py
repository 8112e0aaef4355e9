"""The command line (``python main.py SUBCOMMAND``): argument parsing, inputs, and the subcommands'
actions. No Qt.
"""
