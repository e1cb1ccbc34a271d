"""``python -m chronicle``: the same command as ``chronicle``, for when the script is not on PATH."""

from chronicle.cli import main

if __name__ == "__main__":
    # Named "chronicle" so usage lines and shell completion (_CHRONICLE_COMPLETE) read as
    # they do for the installed command.
    main(prog_name="chronicle")
