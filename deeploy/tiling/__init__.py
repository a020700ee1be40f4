"""Tiling a layer into L1: the problem (problem.py), the Z3 model choosing tile sizes
(solver.py), the schedule those sizes give (schedule.py) and the per-kernel rules that
describe each kernel call as a problem (rules.py). The `tile-layers` pass
(deeploy/passes/tile_layers.py) applies them to a network."""
