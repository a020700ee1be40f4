"""Non-IR artefacts: build files and the test harness that runs a network and prints its outputs."""
