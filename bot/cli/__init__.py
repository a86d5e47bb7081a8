"""Every `python -m bot ...` command, thin: parse arguments, call one service, print."""
