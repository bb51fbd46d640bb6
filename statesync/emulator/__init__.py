"""The emulator: a local SEI over real HTTP, with faults to script, for rehearsals and tests."""
