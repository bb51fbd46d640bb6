"""``python -m statesync.emulator``: the same as ``statesync emulator serve``."""

from statesync.cli.emulator_cmds import serve

serve(prog_name="python -m statesync.emulator")
